namespace Sta.MLNet;

/// <summary>
/// What a clip does with frames in which no face was detected. Upstream preprocessing drops such frames (so a
/// video may yield fewer frames) and the upstream demo crashes on them; a clip of a fixed length needs every frame,
/// so here a frame without a face takes the box of the nearest frame in time that has one (the earlier frame on a
/// tie: the face was seen there most recently), and a clip with no detected face at all is marked face-less.
/// The number of frames without a face is reported so callers can reject clips that borrowed too much.
/// </summary>
internal static class ClipFacePolicy
{
    /// <summary>Applies the policy to per-frame detections (null = no face in that frame).</summary>
    public static ClipFaces FillFromNearestFrame(IReadOnlyList<FaceBox?> detectedPerFrame)
    {
        ArgumentNullException.ThrowIfNull(detectedPerFrame);
        var count = detectedPerFrame.Count;
        // Nearest detected frame at or before / at or after each index, found in two linear sweeps.
        var previous = new int[count];
        var next = new int[count];
        var last = -1;
        for (var i = 0; i < count; i++)
        {
            if (detectedPerFrame[i] is not null)
                last = i;
            previous[i] = last;
        }
        last = -1;
        for (var i = count - 1; i >= 0; i--)
        {
            if (detectedPerFrame[i] is not null)
                last = i;
            next[i] = last;
        }

        var frames = new FrameFace[count];
        for (var i = 0; i < count; i++)
        {
            if (detectedPerFrame[i] is { } own)
            {
                frames[i] = new FrameFace(i, own, true, i);
                continue;
            }
            int? source = (previous[i], next[i]) switch
            {
                (-1, -1) => null,
                (var before, -1) => before,
                (-1, var after) => after,
                var (before, after) => i - before <= after - i ? before : after,
            };
            frames[i] = new FrameFace(i, source is { } s ? detectedPerFrame[s] : null, false, source);
        }
        return new ClipFaces(frames);
    }
}
