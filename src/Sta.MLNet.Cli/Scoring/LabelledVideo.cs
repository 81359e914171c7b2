namespace Sta.MLNet.Cli.Scoring;

/// <summary>A video to score and its label from the folder names ("real"/"fake", or null).</summary>
internal readonly record struct LabelledVideo(string Path, string? Label);
