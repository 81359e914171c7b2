using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Sta.MLNet.TestCorpus;

/// <summary>
/// A seeded corpus of broken video files for scoring fuzz tests, shared by the library and CLI test projects (linked
/// into both): four small, valid 160x120 videos of the astronaut photo (16 frames; H.264 MP4 with its index at the end
/// and at the front, MPEG-4 part 2 MP4, MJPEG AVI), each corrupted in many seeded ways: bit flips anywhere or in the
/// header, truncations, zeroed headers and blocks, random overwrites, and MP4 box damage (top-level boxes swapped,
/// sizes and types corrupted, tables zeroed, boxes dropped or duplicated; RIFF chunk sizes for the AVI), plus empty
/// files and files that are no video at all. The same seed gives the same bytes for the same sources.
/// </summary>
internal static class CorruptVideoCorpus
{
    public const int DefaultCount = 200;

    /// <summary>The seed both fuzz tests use, so that the library and the CLI score the same corpus.</summary>
    public const int DefaultSeed = 20261203;

    private static readonly string[] Containers = ["moov", "trak", "mdia", "minf", "stbl", "edts", "dinf", "udta", "mvex"];

    private static readonly string[] Kinds =
    [
        "bitflip-light", "bitflip-heavy", "bitflip-header", "truncate", "zero-header", "zero-block", "overwrite",
        "box-swap", "box-size", "box-type", "box-zero-table", "box-drop-or-duplicate",
    ];

    /// <summary>One corrupt file: where it is, how it was made, and from which source.</summary>
    public sealed record Entry(string Path, string Kind, string Source);

    /// <summary>The four valid sources, encoded with ffmpeg from <paramref name="astronautPng"/> into <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> CreateSources(string folder, string astronautPng)
    {
        Directory.CreateDirectory(folder);
        // The photo scaled to 200 px and cropped by a drifting 160x120 window: a face of about 60 px that moves.
        var input = $"-loop 1 -i \"{astronautPng}\" -vf \"scale=200:200,crop=160:120:'20+10*sin(n/5)':'10+5*cos(n/7)'\" -r 25 -frames:v 16";
        var h264 = Path.Combine(folder, "h264.mp4");
        var faststart = Path.Combine(folder, "h264_faststart.mp4");
        var mpeg4 = Path.Combine(folder, "mpeg4.mp4");
        var mjpeg = Path.Combine(folder, "mjpeg.avi");
        Ffmpeg($"{input} -c:v libx264 -preset veryfast -crf 20 -bf 2 -g 8 -pix_fmt yuv420p \"{h264}\"");
        Ffmpeg($"-i \"{h264}\" -c copy -movflags +faststart \"{faststart}\"");
        Ffmpeg($"{input} -c:v mpeg4 -q:v 4 -g 8 \"{mpeg4}\"");
        Ffmpeg($"{input} -c:v mjpeg -q:v 4 -pix_fmt yuvj420p \"{mjpeg}\"");
        return [h264, faststart, mpeg4, mjpeg];
    }

    /// <summary>
    /// Writes <paramref name="count"/> corrupt files into <paramref name="folder"/> (named after their index, kind and
    /// source, with the source's extension) and returns them in index order.
    /// </summary>
    public static IReadOnlyList<Entry> Write(string folder, IReadOnlyList<string> sources, int seed = DefaultSeed, int count = DefaultCount)
    {
        Directory.CreateDirectory(folder);
        var originals = sources.Select(File.ReadAllBytes).ToArray();
        var entries = new List<Entry>(count);
        for (var i = 0; i < count; i++)
        {
            var random = new Random(unchecked(seed * 7919 + i));
            string kind, source, extension;
            byte[] bytes;
            if (i % 25 == 24)
            {
                (kind, bytes) = NotAVideo(i / 25, random, originals[0]);
                source = "none";
                extension = ".mp4";
            }
            else
            {
                var s = i / Kinds.Length % sources.Count;
                source = Path.GetFileNameWithoutExtension(sources[s]);
                extension = Path.GetExtension(sources[s]);
                kind = Kinds[i % Kinds.Length];
                bytes = Corrupt(kind, originals[s], extension == ".avi", random);
            }
            var path = Path.Combine(folder, $"{i:000}-{kind}-{source}{extension}");
            File.WriteAllBytes(path, bytes);
            entries.Add(new Entry(path, kind, source));
        }
        return entries;
    }

    private static (string Kind, byte[] Bytes) NotAVideo(int which, Random random, byte[] video) => (which % 8) switch
    {
        0 => ("empty", []),
        1 => ("text", Encoding.UTF8.GetBytes("This is not a video, only text that claims to be one.\n")),
        2 => ("random-bytes", RandomBytes(random, 4096 + random.Next(60000))),
        3 => ("ftyp-only", video[..Math.Min(video.Length, 32)]),
        4 => ("empty", []),
        5 => ("riff-header-only", [.. Encoding.ASCII.GetBytes("RIFF"), 0xff, 0xff, 0, 0, .. Encoding.ASCII.GetBytes("AVI LIST")]),
        6 => ("json", Encoding.UTF8.GetBytes("{\"video\": false, \"frames\": [1, 2, 3]}")),
        _ => ("two-videos-glued", [.. video, .. video]),
    };

    private static byte[] Corrupt(string kind, byte[] original, bool riff, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (kind)
        {
            case "bitflip-light":
                FlipBits(bytes, random, 1 + random.Next(4), 0, bytes.Length);
                return bytes;
            case "bitflip-heavy":
                FlipBits(bytes, random, 32 + random.Next(224), 0, bytes.Length);
                return bytes;
            case "bitflip-header":
                FlipBits(bytes, random, 1 + random.Next(8), 0, Math.Min(bytes.Length, 1024));
                return bytes;
            case "truncate":
                return bytes[..random.Next(1, bytes.Length)];
            case "zero-header":
                Array.Clear(bytes, 0, Math.Min(bytes.Length, 8 + random.Next(4096)));
                return bytes;
            case "zero-block":
            {
                var length = Math.Min(bytes.Length / 2, 64 + random.Next(8192));
                Array.Clear(bytes, random.Next(bytes.Length - length), length);
                return bytes;
            }
            case "overwrite":
            {
                var length = Math.Min(bytes.Length / 2, 16 + random.Next(2048));
                random.NextBytes(bytes.AsSpan(random.Next(bytes.Length - length), length));
                return bytes;
            }
            default:
                return riff ? CorruptRiffChunk(bytes, random) : CorruptBoxes(kind, bytes, random);
        }
    }

    private static void FlipBits(byte[] bytes, Random random, int flips, int start, int end)
    {
        for (var f = 0; f < flips; f++)
            bytes[random.Next(start, end)] ^= (byte)(1 << random.Next(8));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>An MP4 box: where its header starts, its full size, its type, and its depth (0 = top level).</summary>
    private readonly record struct Box(int Offset, int Size, string Type, int Depth);

    /// <summary>Every box of the file, containers opened (moov, trak, mdia, minf, stbl, ...), in file order.</summary>
    private static List<Box> Boxes(byte[] bytes)
    {
        var boxes = new List<Box>();
        void Scan(int start, int end, int depth)
        {
            var offset = start;
            while (offset + 8 <= end)
            {
                long size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset));
                if (size == 0) size = end - offset;
                if (size < 8 || offset + size > end) return;
                var type = Encoding.ASCII.GetString(bytes, offset + 4, 4);
                boxes.Add(new Box(offset, (int)size, type, depth));
                if (Containers.Contains(type)) Scan(offset + 8, offset + (int)size, depth + 1);
                offset += (int)size;
            }
        }
        Scan(0, bytes.Length, 0);
        return boxes;
    }

    private static byte[] CorruptBoxes(string kind, byte[] bytes, Random random)
    {
        var boxes = Boxes(bytes);
        var top = boxes.Where(b => b.Depth == 0).ToList();
        var nested = boxes.Where(b => b.Depth > 0).ToList();
        switch (kind)
        {
            case "box-swap":
            {
                // Mostly moov and mdat (every chunk offset then points elsewhere); sometimes any two top-level boxes.
                var first = top.FindIndex(b => b.Type == "moov");
                var second = top.FindIndex(b => b.Type == "mdat");
                if (random.Next(3) == 0 || first < 0 || second < 0)
                {
                    first = random.Next(top.Count);
                    second = (first + 1 + random.Next(top.Count - 1)) % top.Count;
                }
                var order = Enumerable.Range(0, top.Count).ToArray();
                (order[first], order[second]) = (order[second], order[first]);
                return [.. order.SelectMany(i => bytes.AsSpan(top[i].Offset, top[i].Size).ToArray())];
            }
            case "box-size":
            {
                var box = boxes[random.Next(boxes.Count)];
                uint[] sizes = [0, 1, 7, (uint)box.Size - 1, (uint)box.Size + (uint)random.Next(1, 100000), uint.MaxValue, (uint)random.Next()];
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(box.Offset), sizes[random.Next(sizes.Length)]);
                return bytes;
            }
            case "box-type":
            {
                var box = boxes[random.Next(boxes.Count)];
                if (random.Next(2) == 0)
                {
                    // Two boxes trade types: e.g. stco read as stsz, moov as mdat.
                    var other = boxes[random.Next(boxes.Count)];
                    var type = bytes.AsSpan(box.Offset + 4, 4).ToArray();
                    bytes.AsSpan(other.Offset + 4, 4).CopyTo(bytes.AsSpan(box.Offset + 4));
                    type.CopyTo(bytes.AsSpan(other.Offset + 4));
                }
                else
                {
                    string[] names = ["free", "mdat", "moov", "stsz", "\0\0\0\0", "zzzz"];
                    Encoding.ASCII.GetBytes(names[random.Next(names.Length)]).CopyTo(bytes.AsSpan(box.Offset + 4));
                }
                return bytes;
            }
            case "box-zero-table":
            {
                // The sample tables: sizes, chunk offsets, times, sync samples, decoder configuration.
                string[] tables = ["stsz", "stco", "co64", "stts", "stsc", "stss", "ctts", "stsd"];
                var candidates = nested.Where(b => tables.Contains(b.Type)).ToList();
                var box = candidates.Count > 0 ? candidates[random.Next(candidates.Count)] : boxes[random.Next(boxes.Count)];
                Array.Clear(bytes, box.Offset + 8, box.Size - 8);
                return bytes;
            }
            default:
            {
                var box = boxes[random.Next(boxes.Count)];
                var head = bytes.AsSpan(0, box.Offset + box.Size).ToArray();
                var tail = bytes.AsSpan(box.Offset + box.Size).ToArray();
                if (random.Next(2) == 0)
                    return [.. bytes.AsSpan(0, box.Offset).ToArray(), .. tail];
                return [.. head, .. bytes.AsSpan(box.Offset, box.Size).ToArray(), .. tail];
            }
        }
    }

    /// <summary>AVI: a RIFF, LIST, movi or idx1 chunk gets a wrong little-endian size, or its four-character code is lost.</summary>
    private static byte[] CorruptRiffChunk(byte[] bytes, Random random)
    {
        string[] markers = ["RIFF", "LIST", "movi", "idx1", "strh", "strf", "avih"];
        var marker = Encoding.ASCII.GetBytes(markers[random.Next(markers.Length)]);
        var at = bytes.AsSpan().IndexOf(marker);
        if (at < 0 || at + 8 > bytes.Length) at = random.Next(bytes.Length - 8);
        if (random.Next(3) == 0)
            bytes.AsSpan(at, 4).Fill(0);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 4), random.Next(3) switch { 0 => 0u, 1 => uint.MaxValue, _ => (uint)random.Next() });
        return bytes;
    }

    private static void Ffmpeg(string arguments)
    {
        var start = new ProcessStartInfo("ffmpeg", "-v error -y " + arguments) { RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg {arguments} failed: {errors}");
    }
}
