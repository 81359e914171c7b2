using System.Runtime.InteropServices;
using Google.Protobuf;
using Sta.MLNet.Onnx.Proto;

namespace Sta.MLNet.Onnx.Export;

/// <summary>
/// Builds one ONNX graph: nodes in topological order (each call appends after its inputs exist), initializers, and
/// constants shared by value. Names are unique by construction (a counter suffix), so callers name values for
/// readability only.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto _graph;
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraph(string name) => _graph = new GraphProto { Name = name };

    public GraphProto Proto => _graph;

    /// <summary>Bytes held by initializers so far (for the 2 GiB protobuf limit).</summary>
    public long InitializerBytes { get; private set; }

    private string Fresh(string hint) => $"{hint}_{_counter++}";

    /// <summary>Appends a node with one output and returns the output's name.</summary>
    public string Node(string op, string hint, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        Nodes(op, hint, inputs, 1, attributes)[0];

    /// <summary>Appends a node with <paramref name="outputs"/> outputs; an empty input name stands for an omitted optional input.</summary>
    public string[] Nodes(string op, string hint, IEnumerable<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh(hint + "/" + op) };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(i => Fresh(hint + "/" + op + (outputs > 1 ? $"_out{i}" : ""))).ToArray();
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>Appends a node whose outputs have the given (graph output) names.</summary>
    public void NamedNode(string op, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh("output/" + op) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
    }

    public string Float(string hint, float[] data, params long[] dims) =>
        Add(hint, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), dims, data.Length);

    public string Int8(string hint, sbyte[] data, params long[] dims) =>
        Add(hint, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), dims, data.Length);

    /// <summary>An int64 constant (shapes, axes, indices), shared with every other use of the same value.</summary>
    public string Int64s(params long[] values) => Int64Constant(values, [values.Length]);

    /// <summary>A 0-dimensional int64 constant (a scalar index for Gather, which then drops the axis).</summary>
    public string Int64Scalar(long value) => Int64Constant([value], []);

    /// <summary>A 0-dimensional float constant, shared by value.</summary>
    public string FloatScalar(float value)
    {
        var key = "f:" + BitConverter.SingleToInt32Bits(value).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_constants.TryGetValue(key, out var name)) return name;
        return _constants[key] = Add("const_f", TensorProto.Types.DataType.Float, BitConverter.GetBytes(value), [], 1);
    }

    private string Int64Constant(long[] values, long[] dims)
    {
        var key = "i" + dims.Length + ":" + string.Join(",", values);
        if (_constants.TryGetValue(key, out var name)) return name;
        return _constants[key] = Add("const_i", TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims, values.Length);
    }

    private string Add(string hint, TensorProto.Types.DataType type, byte[] littleEndian, long[] dims, long count)
    {
        if (dims.Aggregate(1L, (a, d) => a * d) != count)
            throw new InvalidOperationException($"Initializer '{hint}': {count} values do not fill [{string.Join(", ", dims)}].");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; export on a little-endian machine.");
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)type, RawData = UnsafeByteOperations.UnsafeWrap(littleEndian) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        InitializerBytes += littleEndian.Length;
        return tensor.Name;
    }

    public void Input(string name, TensorProto.Types.DataType type, params object[] dims) => _graph.Input.Add(ValueInfo(name, type, dims));

    public void Output(string name, TensorProto.Types.DataType type, params object[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>A tensor value description; each dimension is a number (fixed) or a string (symbolic).</summary>
    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"Dimension {dim} is neither a number nor a symbol."),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Attribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
}
