namespace Sta.MLNet;

/// <summary>
/// A dlib shape predictor (ensemble of regression trees, Kazemi and Sullivan 2014) read from dlib's own
/// <c>.dat</c> serialisation: version 1, mean shape, forests, feature-pixel anchors and offsets. Generic in the number
/// of landmarks (68 for <c>shape_predictor_68_face_landmarks.dat</c>, 81 for the model DeepfakeBench/StA use).
/// Immutable once loaded, so one instance can serve any number of threads; <see cref="LoadCached"/> keeps one per path.
/// </summary>
internal sealed class ShapePredictorModel
{
    private ShapePredictorModel(string sourcePath, float[] initialShape, RegressionCascade[] cascades)
    {
        SourcePath = sourcePath;
        InitialShape = initialShape;
        Cascades = cascades;
    }

    /// <summary>The file the model was read from.</summary>
    public string SourcePath { get; }

    /// <summary>Number of landmarks (parts) the model predicts.</summary>
    public int PartCount => InitialShape.Length / 2;

    /// <summary>Number of cascade levels (15 in dlib's published models).</summary>
    public int CascadeCount => Cascades.Length;

    /// <summary>Trees in the first cascade level (500 in dlib's published models).</summary>
    public int TreesPerCascade => Cascades.Length == 0 ? 0 : Cascades[0].TreeCount;

    /// <summary>Feature pixels sampled per cascade level (500 in dlib's published models).</summary>
    public int FeaturePixelsPerCascade => Cascades.Length == 0 ? 0 : Cascades[0].FeatureCount;

    /// <summary>Mean shape in the unit box, interleaved x0, y0, x1, y1, ...</summary>
    internal float[] InitialShape { get; }

    internal RegressionCascade[] Cascades { get; }

    /// <summary>Reads a model file. Prefer <see cref="LoadCached"/>: the 68-point file is ~100 MB.</summary>
    /// <exception cref="FaceModelNotFoundException">The file does not exist (the message says what to install).</exception>
    /// <exception cref="InvalidDataException">The file is not a dlib shape predictor of serialisation version 1.</exception>
    public static ShapePredictorModel Load(string path)
    {
        FaceModelPaths.RequireFile(path, "dlib shape predictor model");
        var fullPath = Path.GetFullPath(path);
        return Parse(File.ReadAllBytes(fullPath), fullPath);
    }

    /// <summary>
    /// The model at <paramref name="path"/> (default: <see cref="FaceModelPaths.DlibShapePredictor68"/>), loaded once per
    /// full path and process; concurrent callers wait for the same load.
    /// </summary>
    public static ShapePredictorModel LoadCached(string? path = null) =>
        ShapePredictorModelCache.Get(path ?? FaceModelPaths.DlibShapePredictor68);

    internal static ShapePredictorModel Parse(byte[] bytes, string sourceName)
    {
        var reader = new DlibStreamReader(bytes, sourceName);
        var version = reader.ReadSigned(4);
        if (version != 1)
            throw new InvalidDataException(
                $"'{sourceName}' is not a dlib shape predictor of serialisation version 1 (found version {version}).");

        var initialShape = ReadColumnVector(reader, "initial shape");
        if (initialShape.Length == 0 || initialShape.Length % 2 != 0)
            throw new InvalidDataException($"'{sourceName}': the mean shape has {initialShape.Length} values, expected an even, non-zero count.");
        var partCount = initialShape.Length / 2;

        var forestCount = reader.ReadCount("number of cascades");
        var forests = new ForestData[forestCount];
        for (var c = 0; c < forestCount; c++)
            forests[c] = ReadForest(reader, partCount, sourceName, c);

        var anchorListCount = reader.ReadCount("number of anchor lists");
        if (anchorListCount != forestCount)
            throw new InvalidDataException($"'{sourceName}': {forestCount} cascades but {anchorListCount} anchor lists.");
        var anchors = new int[forestCount][];
        for (var c = 0; c < forestCount; c++)
        {
            var n = reader.ReadCount("number of feature pixels");
            var list = new int[n];
            for (var i = 0; i < n; i++)
            {
                var offset = reader.Position;
                var anchor = reader.ReadUnsigned();
                if (anchor >= (ulong)partCount)
                    throw reader.Malformed(offset, $"feature pixel anchor {anchor} of cascade {c} is not a landmark index (< {partCount})");
                list[i] = (int)anchor;
            }
            anchors[c] = list;
        }

        var deltaListCount = reader.ReadCount("number of offset lists");
        if (deltaListCount != forestCount)
            throw new InvalidDataException($"'{sourceName}': {forestCount} cascades but {deltaListCount} offset lists.");
        var cascades = new RegressionCascade[forestCount];
        for (var c = 0; c < forestCount; c++)
        {
            var n = reader.ReadCount("number of feature pixel offsets");
            if (n != anchors[c].Length)
                throw new InvalidDataException($"'{sourceName}': cascade {c} has {anchors[c].Length} anchors but {n} offsets.");
            var dx = new float[n];
            var dy = new float[n];
            for (var i = 0; i < n; i++)
            {
                dx[i] = reader.ReadSingle();
                dy[i] = reader.ReadSingle();
            }
            var forest = forests[c];
            for (var s = 0; s < forest.Pixel1.Length; s++)
            {
                if (forest.Pixel1[s] >= n || forest.Pixel2[s] >= n)
                    throw new InvalidDataException(
                        $"'{sourceName}': cascade {c} has a split on feature pixel {Math.Max(forest.Pixel1[s], forest.Pixel2[s])} but only {n} feature pixels.");
            }
            cascades[c] = new RegressionCascade
            {
                AnchorIndex = anchors[c],
                DeltaX = dx,
                DeltaY = dy,
                SplitStart = forest.SplitStart,
                LeafStart = forest.LeafStart,
                SplitPixel1 = forest.Pixel1,
                SplitPixel2 = forest.Pixel2,
                SplitThreshold = forest.Threshold,
                LeafValues = forest.Leaves,
            };
        }
        return new ShapePredictorModel(sourceName, initialShape, cascades);
    }

    private sealed record ForestData(int[] SplitStart, int[] LeafStart, int[] Pixel1, int[] Pixel2, float[] Threshold, float[] Leaves);

    private static ForestData ReadForest(DlibStreamReader reader, int partCount, string sourceName, int cascade)
    {
        var treeCount = reader.ReadCount("number of trees");
        var splitStart = new int[treeCount + 1];
        var leafStart = new int[treeCount + 1];
        var pixel1 = new List<int>(treeCount * 15);
        var pixel2 = new List<int>(treeCount * 15);
        var threshold = new List<float>(treeCount * 15);
        var leafLength = 2 * partCount;
        // Published models have 16 leaves per tree; the list grows for deeper ones.
        var leaves = new float[treeCount * 16 * leafLength];
        var leafCount = 0;
        for (var t = 0; t < treeCount; t++)
        {
            splitStart[t] = pixel1.Count;
            leafStart[t] = leafCount;
            var splits = reader.ReadCount("number of splits");
            for (var s = 0; s < splits; s++)
            {
                pixel1.Add(reader.ReadCount("split feature index"));
                pixel2.Add(reader.ReadCount("split feature index"));
                threshold.Add(reader.ReadSingle());
            }
            var treeLeaves = reader.ReadCount("number of leaves");
            if (treeLeaves != splits + 1 || !int.IsPow2(treeLeaves))
                throw new InvalidDataException(
                    $"'{sourceName}': tree {t} of cascade {cascade} has {splits} splits and {treeLeaves} leaves; a complete binary tree is required.");
            var needed = (leafCount + treeLeaves) * leafLength;
            if (needed > leaves.Length)
                Array.Resize(ref leaves, Math.Max(needed, leaves.Length * 2));
            for (var l = 0; l < treeLeaves; l++)
            {
                var offset = reader.Position;
                var (rows, cols) = ReadMatrixShape(reader);
                if (rows * cols != leafLength || cols != 1)
                    throw reader.Malformed(offset, $"leaf vector is {rows}x{cols}, expected {leafLength}x1");
                var target = (leafCount + l) * leafLength;
                for (var i = 0; i < leafLength; i++)
                    leaves[target + i] = reader.ReadSingle();
            }
            leafCount += treeLeaves;
        }
        splitStart[treeCount] = pixel1.Count;
        leafStart[treeCount] = leafCount;
        if (leaves.Length != leafCount * leafLength)
            Array.Resize(ref leaves, leafCount * leafLength);
        return new ForestData(splitStart, leafStart, pixel1.ToArray(), pixel2.ToArray(), threshold.ToArray(), leaves);
    }

    private static float[] ReadColumnVector(DlibStreamReader reader, string what)
    {
        var offset = reader.Position;
        var (rows, cols) = ReadMatrixShape(reader);
        if (cols != 1 && rows * cols != 0)
            throw reader.Malformed(offset, $"{what} is a {rows}x{cols} matrix, expected a column vector");
        var values = new float[rows * cols];
        for (var i = 0; i < values.Length; i++)
            values[i] = reader.ReadSingle();
        return values;
    }

    private static (int Rows, int Cols) ReadMatrixShape(DlibStreamReader reader)
    {
        var offset = reader.Position;
        // dlib writes -rows, -cols (the sign marks the current format); older files wrote them positive.
        var rows = Math.Abs(reader.ReadSigned());
        var cols = Math.Abs(reader.ReadSigned());
        if (rows > int.MaxValue / 2 || cols > int.MaxValue / 2 || rows * cols > int.MaxValue / 4)
            throw reader.Malformed(offset, $"matrix of {rows}x{cols} is implausibly large");
        return ((int)rows, (int)cols);
    }
}
