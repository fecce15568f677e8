import Foundation
import SwiftProtobuf

/// An `ONNXGraph` and its metadata as a serialized `onnx.ModelProto` (the generated messages in
/// `onnx-ml.pb.swift`). Versions: IR 10, the default domain at opset 21, ai.onnx.ml at opset 5 (the
/// first with `TreeEnsemble`); onnxruntime 1.20 and later run it.
enum ONNXSerializer {
  static let irVersion: Int64 = 10
  static let defaultOpset: Int64 = 21
  static let mlOpset: Int64 = 5

  struct Metadata {
    var graphName: String
    var documentation: String
    var producerVersion: String
    var modelVersion: Int64
    var properties: [(String, String)]
  }

  static func serialize(_ graph: ONNXGraph, _ metadata: Metadata) throws -> Data {
    var model = Onnx_ModelProto()
    model.irVersion = irVersion
    model.producerName = "labbook"
    model.producerVersion = metadata.producerVersion
    model.domain = "org.labbook"
    model.modelVersion = metadata.modelVersion
    model.docString = metadata.documentation
    model.opsetImport = [opset("", defaultOpset), opset(ModelGraph.mlDomain, mlOpset)]
    model.metadataProps = metadata.properties.map { key, value in
      var entry = Onnx_StringStringEntryProto()
      entry.key = key
      entry.value = value
      return entry
    }
    var proto = Onnx_GraphProto()
    proto.name = metadata.graphName
    proto.node = graph.nodes.map(node)
    proto.initializer = graph.initializers.map(tensor)
    proto.input = graph.inputs.map(valueInfo)
    proto.output = graph.outputs.map(valueInfo)
    model.graph = proto
    return try model.serializedData()
  }

  private static func opset(_ domain: String, _ version: Int64) -> Onnx_OperatorSetIdProto {
    var set = Onnx_OperatorSetIdProto()
    set.domain = domain
    set.version = version
    return set
  }

  private static func node(_ node: ONNXGraph.Node) -> Onnx_NodeProto {
    var proto = Onnx_NodeProto()
    proto.opType = node.op
    proto.domain = node.domain
    proto.name = node.name
    proto.input = node.inputs
    proto.output = node.outputs
    proto.attribute = node.attributes.map(attribute)
    return proto
  }

  private static func attribute(_ attribute: ONNXGraph.Attribute) -> Onnx_AttributeProto {
    var proto = Onnx_AttributeProto()
    switch attribute {
    case .int(let name, let value):
      proto.name = name
      proto.type = .int
      proto.i = Int64(value)
    case .ints(let name, let values):
      proto.name = name
      proto.type = .ints
      proto.ints = values.map(Int64.init)
    case .float(let name, let value):
      proto.name = name
      proto.type = .float
      proto.f = value
    case .floats(let name, let values):
      proto.name = name
      proto.type = .floats
      proto.floats = values
    case .string(let name, let value):
      proto.name = name
      proto.type = .string
      proto.s = Data(value.utf8)
    case .strings(let name, let values):
      proto.name = name
      proto.type = .strings
      proto.strings = values.map { Data($0.utf8) }
    case .tensor(let name, let value):
      proto.name = name
      proto.type = .tensor
      proto.t = tensor(value)
    }
    return proto
  }

  private static func tensor(_ tensor: ONNXGraph.Tensor) -> Onnx_TensorProto {
    var proto = Onnx_TensorProto()
    if !tensor.name.isEmpty { proto.name = tensor.name }
    proto.dataType = tensor.type.rawValue
    proto.dims = tensor.dims.map(Int64.init)
    switch tensor.type {
    case .double: proto.doubleData = tensor.doubles
    case .int64: proto.int64Data = tensor.int64s
    case .string: proto.stringData = tensor.strings.map { Data($0.utf8) }
    case .uint8, .bool: proto.rawData = Data(tensor.bytes)
    case .float: proto.floatData = tensor.doubles.map(Float.init)
    }
    return proto
  }

  private static func valueInfo(_ value: ONNXGraph.Value) -> Onnx_ValueInfoProto {
    var shape = Onnx_TensorShapeProto()
    shape.dim = value.shape.map { size in
      var dimension = Onnx_TensorShapeProto.Dimension()
      if let size { dimension.dimValue = Int64(size) } else { dimension.dimParam = "N" }
      return dimension
    }
    var type = Onnx_TypeProto.Tensor()
    type.elemType = value.type.rawValue
    type.shape = shape
    var typeProto = Onnx_TypeProto()
    typeProto.tensorType = type
    var proto = Onnx_ValueInfoProto()
    proto.name = value.name
    proto.type = typeProto
    return proto
  }
}
