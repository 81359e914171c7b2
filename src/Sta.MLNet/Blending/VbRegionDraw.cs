namespace Sta.MLNet;

/// <summary>The random similarity transform of one region in one frame.</summary>
/// <param name="AngleDegrees">Rotation about the landmark centre, degrees; positive = counter-clockwise on screen
/// (OpenCV <c>getRotationMatrix2D</c>). Drawn from U(-R, R).</param>
/// <param name="Scale">Isotropic scale, drawn from U(1 - S, 1 + S).</param>
/// <param name="ShiftX">Translation added to the transform, pixels, drawn from U(-D, D).</param>
/// <param name="ShiftY">Translation added to the transform, pixels, drawn from U(-D, D) after <paramref name="ShiftX"/>.</param>
internal readonly record struct VbRegionDraw(double AngleDegrees, double Scale, double ShiftX, double ShiftY);
