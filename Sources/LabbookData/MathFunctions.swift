import Foundation

// Named wrappers so expression code can say which libm function it means without shadowing
// the expression language's own function names.
@inline(__always) func Foundation_exp(_ x: Double) -> Double { Foundation.exp(x) }
@inline(__always) func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func Foundation_pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
