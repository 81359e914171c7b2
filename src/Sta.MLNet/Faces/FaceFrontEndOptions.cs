namespace Sta.MLNet;

/// <summary>Settings of <see cref="FaceFrontEnd"/> for clips.</summary>
internal sealed record FaceFrontEndOptions
{
    /// <summary>
    /// In a clip, look for the face first in a region around the last face kept (default true). The region is
    /// shrunk so that the face appears about <see cref="SearchFaceSize"/> pixels tall, which makes detection several
    /// times cheaper than scanning the whole frame and keeps the track on the same person. When nothing is found
    /// there, the whole frame is searched.
    /// </summary>
    public bool SearchNearPreviousFace { get; init; } = true;

    /// <summary>Side of the search region relative to the last face's box (default 3: one face size of margin per side).</summary>
    public double SearchRegionScale { get; init; } = 3.0;

    /// <summary>Face size in pixels the search region is scaled to (default 96; regions are never enlarged).</summary>
    public int SearchFaceSize { get; init; } = 96;
}
