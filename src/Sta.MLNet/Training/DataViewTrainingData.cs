using Microsoft.ML;
using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>
/// Reads training clips from an <see cref="IDataView"/>, one epoch at a time, in a seeded per-epoch order. A source that
/// can shuffle (the project's video and dataset sources shuffle their file lists) is asked for a shuffled cursor, which
/// costs no memory; any other source goes through ML.NET's pool shuffle with <see cref="ShufflePoolSize"/> rows in
/// memory (never the whole data). Rows are skipped without decoding their clips, so resuming mid-epoch is cheap.
/// </summary>
internal sealed class DataViewTrainingData : ITrainingData
{
    private readonly MLContext _mlContext;
    private readonly IDataView _data;
    private readonly DataViewSchema.Column _clip;
    private readonly DataViewSchema.Column _label;
    private readonly DataViewSchema.Column? _landmarks;
    private readonly DataViewSchema.Column? _videoId;
    private readonly int _seed;
    private readonly bool _shuffle;

    /// <param name="shuffle">False reads in storage order (validation data).</param>
    public DataViewTrainingData(MLContext mlContext, IDataView data, string clipColumn, string labelColumn, string? landmarksColumn,
        string? videoIdColumn, int seed, bool shuffle, int shufflePoolSize = 64)
    {
        _mlContext = mlContext;
        _data = data;
        _clip = Require(data.Schema, clipColumn, t => t is VectorDataViewType { ItemType: NumberDataViewType n } && n.RawType == typeof(float), "Vector<Single>");
        _label = Require(data.Schema, labelColumn, MLNet.BinaryLabel.IsSupported, "Boolean, Single, Double, Int32 or Int64");
        if (landmarksColumn is not null)
            _landmarks = Require(data.Schema, landmarksColumn, t => t is VectorDataViewType { ItemType: NumberDataViewType n } && n.RawType == typeof(float), "Vector<Single> [T, points, 2]");
        if (videoIdColumn is not null && data.Schema.GetColumnOrNull(videoIdColumn) is { } id && id.Type is TextDataViewType)
            _videoId = id;
        _seed = seed;
        _shuffle = shuffle;
        ShufflePoolSize = shufflePoolSize;
    }

    /// <summary>Rows held in memory when the source cannot shuffle itself.</summary>
    public int ShufflePoolSize { get; }

    public IEnumerable<TrainingExample> ReadEpoch(int epoch, long skip, CancellationToken cancellationToken)
    {
        var columns = new List<DataViewSchema.Column> { _clip, _label };
        if (_landmarks is { } l) columns.Add(l);
        if (_videoId is { } v) columns.Add(v);
        var epochSeed = (int)(StableRandom.SeedFrom(_seed, epoch, 0x5348) & 0x7FFFFFFF);
        DataViewRowCursor cursor;
        if (!_shuffle)
            cursor = _data.GetRowCursor(columns);
        else if (_data.CanShuffle)
            cursor = _data.GetRowCursor(columns, new Random(epochSeed));
        else
        {
            var shuffled = _mlContext.Data.ShuffleRows(_data, seed: epochSeed, shufflePoolSize: ShufflePoolSize, shuffleSource: false);
            cursor = shuffled.GetRowCursor(shuffled.Schema.Where(c => columns.Any(k => k.Name == c.Name && k.Index == c.Index)));
        }
        return Read(cursor, skip, cancellationToken);
    }

    private IEnumerable<TrainingExample> Read(DataViewRowCursor cursor, long skip, CancellationToken cancellationToken)
    {
        using (cursor)
        {
            var schema = cursor.Schema;
            var clipGetter = cursor.GetGetter<VBuffer<float>>(schema[_clip.Index]);
            var labelGetter = MLNet.BinaryLabel.CreateReader(cursor, schema[_label.Index]);
            var landmarksGetter = _landmarks is { } l ? cursor.GetGetter<VBuffer<float>>(schema[l.Index]) : null;
            var videoGetter = _videoId is { } v ? cursor.GetGetter<ReadOnlyMemory<char>>(schema[v.Index]) : null;
            var idGetter = cursor.GetIdGetter();
            VBuffer<float> clip = default, landmarks = default;
            ReadOnlyMemory<char> video = default;
            DataViewRowId id = default;
            long position = 0;
            while (cursor.MoveNext())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (position++ < skip) continue;
                idGetter(ref id);
                clipGetter(ref clip);
                float[]? points = null;
                if (landmarksGetter is not null)
                {
                    landmarksGetter(ref landmarks);
                    points = landmarks.DenseValues().ToArray();
                }
                if (videoGetter is not null) videoGetter(ref video);
                yield return new TrainingExample((long)(id.Low ^ (id.High * 0x9E3779B97F4A7C15UL)), clip.DenseValues().ToArray(), labelGetter(),
                    points, videoGetter is null ? null : video.ToString());
            }
        }
    }

    private static DataViewSchema.Column Require(DataViewSchema schema, string name, Func<DataViewType, bool> accepts, string expected)
    {
        var column = schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Could not find input column '{name}'.");
        if (!accepts(column.Type))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Schema mismatch for input column '{name}': expected {expected}, got {column.Type}.");
        return column;
    }
}
