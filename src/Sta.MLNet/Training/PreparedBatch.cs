using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// A training batch ready for the network, built on the prefetch thread: CLIP-normalised clips [B, T, 3, H, W] and
/// labels (1 = fake) as host tensors (page-locked when training on CUDA, so the upload does not stall the device), and
/// how many dataset examples of the epoch had been consumed once this batch was complete (the resume position).
/// Owns its tensors.
/// </summary>
internal sealed class PreparedBatch(Tensor clips, Tensor labels, long examplesConsumedAfter) : IDisposable
{
    public Tensor Clips { get; } = clips;

    public Tensor Labels { get; } = labels;

    public int Count => (int)Labels.shape[0];

    public long ExamplesConsumedAfter { get; } = examplesConsumedAfter;

    public void Dispose()
    {
        Clips.Dispose();
        Labels.Dispose();
    }
}
