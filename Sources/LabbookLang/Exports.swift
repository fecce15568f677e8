@_exported import LabbookRender
@_exported import LabbookValues
