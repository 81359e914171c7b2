namespace Sta.MLNet;

/// <summary>Colour channel order of a 3- or 4-channel 8-bit image.</summary>
internal enum ChannelOrder
{
    /// <summary>OpenCV's native order (what <c>imread</c> and video decoding give).</summary>
    Bgr,

    /// <summary>Red first (what DeepfakeBench hands to dlib and to the alignment warp).</summary>
    Rgb,
}
