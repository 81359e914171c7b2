using System.Collections.Concurrent;

namespace Sta.MLNet;

/// <summary>
/// One loaded <see cref="ShapePredictorModel"/> per full path for the process lifetime: videos call the predictor
/// for every frame, and reading the ~100 MB file again would dominate. Thread-safe; a failed load is not cached, so
/// installing the missing file and retrying works.
/// </summary>
internal static class ShapePredictorModelCache
{
    private static readonly ConcurrentDictionary<string, Lazy<ShapePredictorModel>> Models = new(StringComparer.Ordinal);

    public static ShapePredictorModel Get(string path)
    {
        FaceModelPaths.RequireFile(path, "dlib shape predictor model");
        var key = Path.GetFullPath(path);
        var lazy = Models.GetOrAdd(key, k => new Lazy<ShapePredictorModel>(() => ShapePredictorModel.Load(k), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Models.TryRemove(new KeyValuePair<string, Lazy<ShapePredictorModel>>(key, lazy));
            throw;
        }
    }
}
