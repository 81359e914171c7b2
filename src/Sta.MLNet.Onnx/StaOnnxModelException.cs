namespace Sta.MLNet.Onnx;

/// <summary>
/// An ONNX file that cannot score StA clips: unreadable, or its input and outputs are not those of an exported StA
/// network (<c>clips</c> [batch, T, 3, H, W] float32 in; <c>logits</c> [batch, classes] and <c>probability</c> [batch]
/// out), or its clip shape does not match the front end it is used with. Thrown before anything is scored.
/// </summary>
public sealed class StaOnnxModelException : StaException
{
    public StaOnnxModelException(string message) : base(message) { }

    public StaOnnxModelException(string message, Exception? innerException) : base(message, innerException) { }
}
