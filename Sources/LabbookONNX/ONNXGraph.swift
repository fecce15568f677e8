/// An ONNX graph being built: nodes in order, constant tensors (initializers), named inputs and outputs.
/// Plain values; `ONNXSerializer` turns them into the protobuf messages.
struct ONNXGraph {
  enum ElementType: Int32 {
    case float = 1
    case uint8 = 2
    case int64 = 7
    case string = 8
    case bool = 9
    case double = 11
  }

  struct Tensor {
    var name: String
    var type: ElementType
    var dims: [Int]
    var doubles: [Double] = []
    var int64s: [Int64] = []
    var strings: [String] = []
    var bytes: [UInt8] = []
  }

  enum Attribute {
    case int(String, Int)
    case ints(String, [Int])
    case float(String, Float)
    case floats(String, [Float])
    case string(String, String)
    case strings(String, [String])
    case tensor(String, Tensor)
  }

  struct Node {
    var op: String
    var domain: String
    var inputs: [String]
    var outputs: [String]
    var name: String
    var attributes: [Attribute]
  }

  /// An input or output: name, element type and shape (nil dimensions are symbolic: the row count).
  struct Value {
    var name: String
    var type: ElementType
    var shape: [Int?]
  }

  var nodes: [Node] = []
  var initializers: [Tensor] = []
  var inputs: [Value] = []
  var outputs: [Value] = []
  private var counter = 0
  /// Every name given out, and the graph's input and output names (which come from the user's columns).
  private var taken: Set<String> = []

  /// Reserves a name chosen from outside (an input named as its column, an output).
  mutating func reserve(_ name: String) { taken.insert(name) }

  /// A name no other value has, readable in a graph viewer (`scale_3`).
  mutating func fresh(_ stem: String) -> String {
    let clean = String(stem.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }.prefix(40))
    while true {
      counter += 1
      let name = "\(clean)_\(counter)"
      if taken.insert(name).inserted { return name }
    }
  }

  /// Adds a node and returns its outputs' names.
  @discardableResult
  mutating func add(
    _ op: String, _ inputs: [String], outputs count: Int = 1, domain: String = "", attributes: [Attribute] = [],
    name stem: String? = nil
  ) -> [String] {
    let outputs = (0..<count).map { _ in fresh(stem ?? op.lowercased()) }
    nodes.append(
      Node(op: op, domain: domain, inputs: inputs, outputs: outputs, name: fresh("node"), attributes: attributes))
    return outputs
  }

  /// One output, for the usual single-output operator.
  mutating func op(
    _ op: String, _ inputs: [String], domain: String = "", attributes: [Attribute] = [], name stem: String? = nil
  ) -> String {
    add(op, inputs, domain: domain, attributes: attributes, name: stem)[0]
  }

  mutating func constant(doubles: [Double], dims: [Int]? = nil, name stem: String = "c") -> String {
    let name = fresh(stem)
    initializers.append(Tensor(name: name, type: .double, dims: dims ?? [doubles.count], doubles: doubles))
    return name
  }

  mutating func constant(int64s: [Int64], dims: [Int]? = nil, name stem: String = "i") -> String {
    let name = fresh(stem)
    initializers.append(Tensor(name: name, type: .int64, dims: dims ?? [int64s.count], int64s: int64s))
    return name
  }

  mutating func constant(strings: [String], dims: [Int]? = nil, name stem: String = "s") -> String {
    let name = fresh(stem)
    initializers.append(Tensor(name: name, type: .string, dims: dims ?? [strings.count], strings: strings))
    return name
  }

  /// A scalar double constant.
  mutating func scalar(_ value: Double) -> String { constant(doubles: [value], dims: []) }
}
