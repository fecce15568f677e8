import Testing

@testable import LabbookRender
