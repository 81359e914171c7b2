namespace Sta.MLNet;

/// <summary>One detected face.</summary>
/// <param name="Box">Face rectangle in the input image (dlib convention, inclusive; may extend past the image edge).</param>
/// <param name="Score">Detector confidence where the detector has one (YuNet: 0..1); NaN for cascades.</param>
internal readonly record struct FaceDetection(FaceBox Box, double Score);
