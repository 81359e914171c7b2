using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Pipelines;

/// <summary>
/// The estimator checks every estimator of this project goes through (modelled on what ML.NET's own
/// <c>TestEstimatorCore</c> verifies): schema propagation agrees between the estimator, the fitted transformer and the
/// transformed data; a wrong input schema is rejected by both; Save/Load into a fresh <see cref="MLContext"/> gives
/// identical values in every column; optionally, PredictionEngine agrees with Transform.
/// </summary>
public static class EstimatorChecks
{
    /// <summary>The fitted transformer and its reloaded copy (loaded into <see cref="ReloadedContext"/>).</summary>
    public sealed record Result(ITransformer Fitted, ITransformer Reloaded, MLContext ReloadedContext, IDataView Transformed);

    /// <summary>Runs every check and returns the fitted and the reloaded transformer.</summary>
    /// <param name="mlContext">The context the estimator was created with.</param>
    /// <param name="estimator">The estimator under test.</param>
    /// <param name="validInput">Data it must accept.</param>
    /// <param name="invalidInput">Data with a wrong schema that estimator and transformer must reject.</param>
    /// <param name="registerInFreshContext">
    /// Extra registration for stages outside Sta.MLNet (test stages); <see cref="StaMLNet.Register"/> is always called.
    /// </param>
    public static Result Check<TTransformer>(MLContext mlContext, IEstimator<TTransformer> estimator, IDataView validInput,
        IDataView invalidInput, Action<MLContext>? registerInFreshContext = null) where TTransformer : class, ITransformer
    {
        // Schema propagation: estimator shape == fitted transformer's schema == transformed data's schema.
        var outputShape = estimator.GetOutputSchema(ToShape(validInput.Schema));
        var transformer = estimator.Fit(validInput);
        var outputSchema = transformer.GetOutputSchema(validInput.Schema);
        var transformed = transformer.Transform(validInput);
        AssertSameSchema(outputSchema, transformed.Schema, "transformer.GetOutputSchema vs Transform(...).Schema");
        AssertSameShape(outputShape, ToShape(outputSchema));

        // Wrong input schema: rejected at every entry point.
        MustFail(() => estimator.GetOutputSchema(ToShape(invalidInput.Schema)), "estimator.GetOutputSchema(invalid)");
        MustFail(() => estimator.Fit(invalidInput), "estimator.Fit(invalid)");
        MustFail(() => transformer.GetOutputSchema(invalidInput.Schema), "transformer.GetOutputSchema(invalid)");
        MustFail(() => transformer.Transform(invalidInput), "transformer.Transform(invalid)");
        if (transformer.IsRowToRowMapper)
            MustFail(() => transformer.GetRowToRowMapper(invalidInput.Schema), "transformer.GetRowToRowMapper(invalid)");

        var expected = ReadAll(transformed);
        Assert.NotEmpty(expected);

        // Reading a subset of columns, or through a cursor set, gives the same values as reading all columns.
        AssertSameValues(expected, ReadAll(transformed, outputSchema.Where(c => c.Index >= validInput.Schema.Count)), "appended columns only");
        AssertSameValues(expected, ReadAllWithCursorSet(transformed), "cursor set");
        // Over a cached input ML.NET hands out several cursors at once; each wraps one of them.
        AssertSameValues(expected, ReadAllWithCursorSet(transformer.Transform(mlContext.Data.Cache(validInput))), "cursor set over a cache");

        // Save / Load into a fresh context.
        var fresh = new MLContext(seed: 1);
        StaMLNet.Register(fresh);
        registerInFreshContext?.Invoke(fresh);
        ITransformer reloaded;
        using (var stream = new MemoryStream())
        {
            mlContext.Model.Save(transformer, validInput.Schema, stream);
            stream.Position = 0;
            reloaded = fresh.Model.Load(stream, out var savedSchema);
            AssertSameSchema(validInput.Schema, savedSchema, "saved input schema");
        }
        var reloadedData = reloaded.Transform(validInput);
        AssertSameSchema(transformed.Schema, reloadedData.Schema, "reloaded output schema");
        AssertSameValues(expected, ReadAll(reloadedData), "after Save/Load");
        return new Result(transformer, reloaded, fresh, transformed);
    }

    /// <summary>
    /// <see cref="Check{TTransformer}"/>, then <see cref="CheckPredictionEngine{TSrc, TDst}"/> on the fitted and on the
    /// reloaded transformer (the latter in the fresh context).
    /// </summary>
    /// <param name="predictionEngineTolerance">
    /// Absolute tolerance for float values from PredictionEngine (0 = bit-identical). Stages that compute rows in batches
    /// (the StA network) get batch-size-dependent float rounding from the BLAS kernels; they state their tolerance here.
    /// </param>
    public static Result Check<TTransformer, TSrc, TDst>(MLContext mlContext, IEstimator<TTransformer> estimator, IDataView validInput,
        IDataView invalidInput, Action<MLContext>? registerInFreshContext = null, float predictionEngineTolerance = 0)
        where TTransformer : class, ITransformer where TSrc : class, new() where TDst : class, new()
    {
        var result = Check(mlContext, estimator, validInput, invalidInput, registerInFreshContext);
        CheckPredictionEngine<TSrc, TDst>(mlContext, result.Fitted, validInput, result.Transformed, predictionEngineTolerance);
        CheckPredictionEngine<TSrc, TDst>(result.ReloadedContext, result.Reloaded, validInput, result.Transformed, predictionEngineTolerance);
        return result;
    }

    /// <summary>
    /// PredictionEngine over <paramref name="transformer"/> gives, for every row of <paramref name="input"/>, the values
    /// of <paramref name="transformed"/> in every column that <typeparamref name="TDst"/> maps.
    /// </summary>
    public static void CheckPredictionEngine<TSrc, TDst>(MLContext mlContext, ITransformer transformer, IDataView input, IDataView transformed,
        float tolerance = 0)
        where TSrc : class, new() where TDst : class, new()
    {
        using var engine = mlContext.Model.CreatePredictionEngine<TSrc, TDst>(transformer);
        var predictions = mlContext.Data.CreateEnumerable<TSrc>(input, reuseRowObject: false)
            .Select(row => engine.Predict(row)).ToList();
        var predicted = mlContext.Data.LoadFromEnumerable(predictions, SchemaDefinition.Create(typeof(TDst)));
        var names = predicted.Schema.Select(c => c.Name).Where(n => transformed.Schema.GetColumnOrNull(n) is not null).ToList();
        Assert.NotEmpty(names);
        var fromEngine = ReadAll(predicted, names.Select(n => predicted.Schema[n]));
        var fromTransform = ReadAll(transformed, names.Select(n => transformed.Schema[n]));
        AssertSameValues(fromTransform, fromEngine, "PredictionEngine vs Transform", tolerance);
    }

    /// <summary>The <see cref="SchemaShape"/> of a schema, annotations included (ML.NET's <c>SchemaShape.Create</c>, internal).</summary>
    public static SchemaShape ToShape(DataViewSchema schema)
    {
        var create = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic,
            [typeof(DataViewSchema)]) ?? throw new InvalidOperationException("SchemaShape.Create(DataViewSchema) not found.");
        return (SchemaShape)create.Invoke(null, [schema])!;
    }

    /// <summary>Every value of the given (default: all) columns, row by row; vectors as dense arrays, text as strings.</summary>
    public static List<object?[]> ReadAll(IDataView data, IEnumerable<DataViewSchema.Column>? columns = null)
    {
        var selected = (columns ?? data.Schema).ToList();
        using var cursor = data.GetRowCursor(selected);
        return ReadRows(cursor, selected);
    }

    private static List<object?[]> ReadAllWithCursorSet(IDataView data)
    {
        var columns = data.Schema.ToList();
        var rows = new List<(long Position, object?[] Values)>();
        foreach (var cursor in data.GetRowCursorSet(columns, 3))
        {
            using (cursor)
            {
                var getters = columns.Select(c => ValueReader(cursor, c)).ToList();
                var id = cursor.GetIdGetter();
                while (cursor.MoveNext())
                {
                    DataViewRowId rowId = default;
                    id(ref rowId);
                    rows.Add(((long)rowId.Low, getters.Select(g => g()).ToArray()));
                }
            }
        }
        // Ids of a plain in-memory source are row indices; sort to compare with a single cursor's order.
        return rows.OrderBy(r => r.Position).Select(r => r.Values).ToList();
    }

    private static List<object?[]> ReadRows(DataViewRowCursor cursor, IReadOnlyList<DataViewSchema.Column> columns)
    {
        var getters = columns.Select(c => ValueReader(cursor, c)).ToList();
        var rows = new List<object?[]>();
        while (cursor.MoveNext())
            rows.Add(getters.Select(g => g()).ToArray());
        return rows;
    }

    internal static Func<object?> ValueReader(DataViewRow row, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        var method = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(EstimatorChecks).GetMethod(nameof(VectorReader), BindingFlags.Static | BindingFlags.NonPublic)!.MakeGenericMethod(raw.GetGenericArguments()[0])
            : typeof(EstimatorChecks).GetMethod(nameof(ScalarReader), BindingFlags.Static | BindingFlags.NonPublic)!.MakeGenericMethod(raw);
        return (Func<object?>)method.Invoke(null, [row, column])!;
    }

    private static Func<object?> ScalarReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return value is ReadOnlyMemory<char> text ? text.ToString() : value;
        };
    }

    private static Func<object?> VectorReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        return () =>
        {
            VBuffer<T> value = default;
            getter(ref value);
            return value.DenseValues().ToArray();
        };
    }

    private static void AssertSameValues(List<object?[]> expected, List<object?[]> actual, string what, float tolerance = 0)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: {actual.Count} rows, expected {expected.Count}.");
        for (int r = 0; r < expected.Count; r++)
        {
            // When fewer columns were read, they are the last ones of the full read.
            var e = expected[r].Skip(expected[r].Length - actual[r].Length).ToArray();
            Assert.True(e.Length == actual[r].Length, $"{what}: row {r} has {actual[r].Length} values.");
            for (int c = 0; c < e.Length; c++)
                Assert.True(ValuesEqual(e[c], actual[r][c]) || tolerance > 0 && Close(e[c], actual[r][c], tolerance), $"{what}: row {r}, value {c} differs: {Show(e[c])} vs {Show(actual[r][c])}.");
        }
    }

    private static bool Close(object? a, object? b, float tolerance) => (a, b) switch
    {
        (float x, float y) => Math.Abs(x - y) <= tolerance,
        (float[] x, float[] y) => x.Length == y.Length && x.Zip(y).All(p => Math.Abs(p.First - p.Second) <= tolerance),
        _ => false,
    };

    private static bool ValuesEqual(object? a, object? b) => (a, b) switch
    {
        (float[] x, float[] y) => x.Length == y.Length && x.Zip(y).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second)),
        (float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y),
        (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
        (Array x, Array y) => x.Length == y.Length && x.Cast<object>().Zip(y.Cast<object>()).All(p => Equals(p.First, p.Second)),
        _ => Equals(a, b),
    };

    private static string Show(object? value) => value is Array a ? $"[{a.Length} values]" : value?.ToString() ?? "null";

    private static void AssertSameSchema(DataViewSchema expected, DataViewSchema actual, string what)
    {
        Assert.True(expected.Count == actual.Count,
            $"{what}: {actual.Count} columns ({string.Join(", ", actual.Select(c => c.Name))}), expected {expected.Count} ({string.Join(", ", expected.Select(c => c.Name))}).");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Name == actual[i].Name, $"{what}: column {i} is '{actual[i].Name}', expected '{expected[i].Name}'.");
            Assert.True(expected[i].Type.Equals(actual[i].Type), $"{what}: column '{expected[i].Name}' is {actual[i].Type}, expected {expected[i].Type}.");
            Assert.True(expected[i].IsHidden == actual[i].IsHidden, $"{what}: column {i} hidden flag differs.");
        }
    }

    private static void AssertSameShape(SchemaShape fromEstimator, SchemaShape fromTransformer)
    {
        var estimatorColumns = fromEstimator.ToDictionary(c => c.Name);
        var transformerColumns = fromTransformer.ToDictionary(c => c.Name);
        Assert.Equal(transformerColumns.Keys.Order(), estimatorColumns.Keys.Order());
        foreach (var (name, column) in transformerColumns)
        {
            var predicted = estimatorColumns[name];
            Assert.True(predicted.Kind == column.Kind && predicted.ItemType.Equals(column.ItemType) && predicted.IsKey == column.IsKey,
                $"Column '{name}': estimator says {predicted.Kind} {predicted.ItemType}, transformer gives {column.Kind} {column.ItemType}.");
        }
    }

    private static void MustFail(Action action, string what)
    {
        var error = Record.Exception(action);
        Assert.True(error is ArgumentOutOfRangeException or InvalidOperationException,
            $"{what} should throw ArgumentOutOfRangeException or InvalidOperationException, got {error?.GetType().Name ?? "no exception"}.");
    }
}
