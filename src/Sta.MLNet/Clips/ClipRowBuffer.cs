using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>One row's clip values, reused from row to row so that streaming allocates nothing per clip.</summary>
internal sealed class ClipRowBuffer(FaceClipOptions options)
{
    public float[] Clip { get; } = new float[options.ClipLength];

    public float[] Landmarks { get; } = new float[options.LandmarksLength];

    public FaceClipInfo Info { get; set; }

    /// <summary>Copies <paramref name="source"/> into the caller's buffer (reusing its arrays, as ML.NET getters must).</summary>
    public static void CopyTo(float[] source, ref VBuffer<float> destination)
    {
        var editor = VBufferEditor.Create(ref destination, source.Length);
        source.AsSpan().CopyTo(editor.Values);
        destination = editor.Commit();
    }
}
