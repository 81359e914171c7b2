namespace Sta.MLNet;

/// <summary>Container formats of state_dict files.</summary>
internal enum CheckpointFormat
{
    /// <summary>PyTorch's <c>torch.save</c> zip container (.pth/.pt/.bin).</summary>
    PyTorch,

    /// <summary>safetensors (.safetensors).</summary>
    SafeTensors,
}
