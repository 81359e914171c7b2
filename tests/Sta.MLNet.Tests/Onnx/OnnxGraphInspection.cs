using Google.Protobuf;
using Sta.MLNet.Onnx.Proto;

namespace Sta.MLNet.Tests.Onnx;

/// <summary>Reads and writes small ONNX files with the library's protobuf classes.</summary>
internal static class OnnxGraphInspection
{
    public static Dictionary<string, int> OperatorCounts(string path)
    {
        using var stream = File.OpenRead(path);
        var model = ModelProto.Parser.ParseFrom(stream);
        return model.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>A one-node Identity model: input and output <paramref name="name"/>/"y", float, of the given shape.</summary>
    public static void WriteIdentityModel(string path, string name, long[] shape)
    {
        ValueInfoProto Value(string valueName)
        {
            var tensorShape = new TensorShapeProto();
            foreach (var d in shape) tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            return new ValueInfoProto
            {
                Name = valueName,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
            };
        }
        var graph = new GraphProto { Name = "identity" };
        graph.Input.Add(Value(name));
        graph.Output.Add(Value("y"));
        var node = new NodeProto { OpType = "Identity", Name = "identity" };
        node.Input.Add(name);
        node.Output.Add("y");
        graph.Node.Add(node);
        var model = new ModelProto { IrVersion = 10, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 21 });
        File.WriteAllBytes(path, model.ToByteArray());
    }
}
