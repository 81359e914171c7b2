using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Pipelines;

public class StageSchemaTests
{
    public static TheoryData<string> ColumnKinds => ["Single", "Boolean", "Int32", "Int64", "Text", "SingleVector"];

    private static StageColumn Make(string kind) => kind switch
    {
        "Single" => StageColumn.Single("X"),
        "Boolean" => StageColumn.Boolean("X"),
        "Int32" => StageColumn.Int32("X"),
        "Int64" => StageColumn.Int64("X"),
        "Text" => StageColumn.Text("X"),
        _ => StageColumn.SingleVector("X", 2, 3, 4),
    };

    [Theory]
    [MemberData(nameof(ColumnKinds))]
    public void ShapeColumnMatchesWhatMLNetDerivesFromTheSchema(string kind)
    {
        var column = Make(kind);
        var shape = StageSchema.ToShapeColumn(column);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(column.Name, column.Type);
        var fromSchema = Assert.Single(EstimatorChecks.ToShape(builder.ToSchema()));
        Assert.Equal(fromSchema.Name, shape.Name);
        Assert.Equal(fromSchema.Kind, shape.Kind);
        Assert.Equal(fromSchema.ItemType, shape.ItemType);
        Assert.Equal(fromSchema.IsKey, shape.IsKey);
    }

    [Fact]
    public void AppendReplacesSameNamedColumnsAndKeepsOrder()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("A", NumberDataViewType.Single);
        builder.AddColumn("Score", TextDataViewType.Instance);
        var shape = StageSchema.Append(EstimatorChecks.ToShape(builder.ToSchema()), [StageColumn.Single("Score"), StageColumn.Boolean("B")]);
        Assert.Equal(["A", "Score", "B"], shape.Select(c => c.Name));
        Assert.Equal(NumberDataViewType.Single, shape.Single(c => c.Name == "Score").ItemType);
    }

    [Fact]
    public void UnsupportedOrMalformedOutputColumnsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StageColumn.SingleVector("V", 3, 0));
        Assert.Throws<NotSupportedException>(() => StageSchema.ToShapeColumn(new StageColumn("D", NumberDataViewType.Double)));
        Assert.Throws<NotSupportedException>(() => StageSchema.ToShapeColumn(new StageColumn("V", new VectorDataViewType(NumberDataViewType.Single))));
    }

    [Fact]
    public void SchemaMismatchMessagesNameColumnAndTypes()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("V", new VectorDataViewType(NumberDataViewType.Single, 6));
        var schema = builder.ToSchema();
        var wrongSize = Assert.Throws<ArgumentOutOfRangeException>(() => StageSchema.RequireVector(schema, "V", NumberDataViewType.Single, 5));
        Assert.Equal("inputSchema", wrongSize.ParamName);
        Assert.Contains("Schema mismatch for input column 'V'", wrongSize.Message);
        Assert.Contains("Vector<Single, 6>", wrongSize.Message);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => StageSchema.RequireColumn(schema, "W", NumberDataViewType.Single));
        Assert.Contains("Could not find input column 'W'", missing.Message);
        var shapeMismatch = Assert.Throws<ArgumentOutOfRangeException>(() =>
            StageSchema.RequireShapeColumn(EstimatorChecks.ToShape(schema), "V", NumberDataViewType.Single, SchemaShape.Column.VectorKind.Scalar));
        Assert.Contains("expected Single, got Vector<Single>", shapeMismatch.Message);
    }
}
