using System.Text.Json;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// Reads a <c>sta.score/1</c> video object back into the report it was written from. Results that come from a cluster
/// arrive as these objects; turning them back into <see cref="VideoScoreResult"/> lets <see cref="ScoreReport"/> write
/// them, so <c>sta cluster score</c> writes its files with exactly the code <c>sta score</c> uses. Numbers survive the
/// trip unchanged: the writer emits the shortest text that parses back to the same double.
/// </summary>
internal static class ScoreJsonReader
{
    /// <exception cref="InvalidDataException">The text is not a video object of that layout.</exception>
    public static VideoScoreResult ReadVideo(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var video = document.RootElement;
            var clips = new List<ClipScoreResult>();
            if (video.TryGetProperty("clips", out var clipArray) && clipArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var clip in clipArray.EnumerateArray())
                {
                    clips.Add(new ClipScoreResult(
                        clip.GetProperty("index").GetInt32(),
                        clip.GetProperty("frames").EnumerateArray().Select(f => f.GetInt32()).ToList(),
                        Number(clip, "probability"),
                        Number(clip, "score"),
                        clip.GetProperty("frames_with_face").GetInt32(),
                        Text(clip, "skipped")));
                }
            }
            var timings = video.GetProperty("timings_ms");
            return new VideoScoreResult(
                video.GetProperty("path").GetString() ?? throw new InvalidDataException("a video object without a path"),
                Text(video, "label"),
                Text(video, "error"),
                video.TryGetProperty("frame_count", out var frames) && frames.ValueKind == JsonValueKind.Number ? frames.GetInt32() : null,
                Number(video, "fps"),
                clips,
                Number(video, "probability"),
                Number(video, "score"),
                new ScoreTimings(timings.GetProperty("front_end").GetDouble(), timings.GetProperty("model").GetDouble(), timings.GetProperty("total").GetDouble()));
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"A result is not a {ScoreJson.Schema} video object: {error.Message}", error);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
