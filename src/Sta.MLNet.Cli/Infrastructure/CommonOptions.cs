using System.CommandLine;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Infrastructure;

/// <summary>Options several verbs share, created fresh for each command.</summary>
internal static class CommonOptions
{
    public static Option<string> Preset() => new("--preset", "-p")
    {
        Description = "Network configuration of the checkpoint: official (ViT-L/14, 14 blocks), vitb16 or tiny.",
        DefaultValueFactory = _ => "official",
    };

    public static Option<string?> Checkpoint() => new("--checkpoint", "-c")
    {
        Description = "StA checkpoint (.pth zip or .safetensors), e.g. the authors' sta_best.pth.",
    };

    public static Option<string?> Model() => new("--model", "-m")
    {
        Description = "A saved ML.NET model (.zip) that contains a StA detection stage.",
    };

    public static Option<int?> Gpu() => new("--gpu")
    {
        Description = "CUDA device id to run the network on (default: CPU). Fails when CUDA is not available.",
    };

    /// <summary>Front-end threads that decode ahead of the network: by default one per processor, at most 8.</summary>
    public static Option<int> Workers() => new("--workers")
    {
        Description = "Threads decoding and aligning videos (or loading frames) ahead of the network (default: one per processor, at most 8).",
        DefaultValueFactory = _ => Math.Clamp(Environment.ProcessorCount, 1, 8),
    };

    /// <summary>
    /// Checks --workers and, with more than one, turns off OpenCV's own threads for the process: each worker then runs
    /// its decoding, face search and warps on its own core instead of several workers' OpenCV calls competing for the
    /// same thread pool (nested parallelism; on this project's 2-core machine the gain is 1-3 %, more cores oversubscribe
    /// more).
    /// </summary>
    public static int ResolveWorkers(int workers)
    {
        if (workers < 1) throw new UsageException("--workers must be at least 1.");
        if (workers > 1) OpenCvSharp.Cv2.SetNumThreads(1);
        return workers;
    }

    public static Option<bool> Bf16() => new("--bf16")
    {
        Description = "Run the network in bfloat16 (float32 weights, bf16 matmuls and convolutions): faster on GPUs and on CPUs with " +
                      "native bf16 (AVX512-BF16, AMX; about 3x for the official network), slower on other CPUs. Scores differ by ~1e-3.",
    };

    public static Option<string> FaceDetector() => new("--face-detector")
    {
        Description = "Face detector model: an OpenCV cascade .xml or a YuNet .onnx.",
        DefaultValueFactory = _ => FaceModelPaths.HaarFrontalFaceAlt2,
    };

    public static Option<string> LandmarksModel() => new("--landmarks-model")
    {
        Description = "dlib shape predictor .dat (68 or 81 points).",
        DefaultValueFactory = _ => FaceModelPaths.DlibShapePredictor68,
    };

    public static Option<int> AlignmentSize() => new("--alignment-size")
    {
        Description = "Side in pixels faces are aligned at before the resize to the network's input: 256 as DeepfakeBench's preprocessing " +
                      "(default), 224 as StA's demo, 32 for the Quickstart's model (trained on faces aligned at 32 px). A model's saved front end wins.",
        DefaultValueFactory = _ => 256,
    };

    public static Option<string> Sampling() => new Option<string>("--sampling")
    {
        Description = "Clip sampling: deepfakebench (32 evenly spaced frames, clips of consecutive samples) or consecutive (truly consecutive frames).",
        DefaultValueFactory = _ => "deepfakebench",
    }.AcceptOnlyFromAmong("deepfakebench", "consecutive");

    public static Option<int?> Clips() => new("--clips")
    {
        Description = "Clips per video (default: as many as fit side by side).",
    };

    public static StaNetworkOptions ResolvePreset(string name)
    {
        try
        {
            return StaPresets.ByName(name);
        }
        catch (ArgumentException error)
        {
            throw new UsageException(error.Message);
        }
    }

    public static ClipSamplingOptions ResolveSampling(string name, int? clips)
    {
        if (clips is < 1) throw new UsageException("--clips must be at least 1.");
        var baseOptions = name == "consecutive" ? ClipSamplingOptions.Consecutive : ClipSamplingOptions.DeepfakeBench;
        return baseOptions with { ClipsPerVideo = clips };
    }

    public static FaceSettings ResolveFaces(ParseResult parse, Option<string> detector, Option<string> landmarks, Option<int>? alignment = null)
    {
        var size = alignment is null ? 256 : parse.GetValue(alignment);
        if (size < 16) throw new UsageException("--alignment-size must be at least 16.");
        return new(parse.GetValue(detector)!, parse.GetValue(landmarks)!, size);
    }

    public static string RequireFile(string path, string what)
    {
        if (!File.Exists(path)) throw new UsageException($"{what} not found: {path}");
        return path;
    }

    /// <summary>Expands files and folders (recursively, sorted) into video files.</summary>
    public static List<string> ExpandVideos(IEnumerable<string> inputs)
    {
        var extensions = new VideoFolderOptions().Extensions;
        var videos = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                videos.Add(input);
            }
            else if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0) throw new UsageException($"No video files in folder {input} (extensions: {string.Join(" ", extensions)}).");
                videos.AddRange(found);
            }
            else
            {
                throw new UsageException($"Input not found: {input}");
            }
        }
        return videos;
    }

}
