namespace Sta.MLNet.Training;

/// <summary>
/// A training batch ready for the network: CLIP-normalised clips laid out back to back, their labels (1 = fake), and
/// how many dataset examples of the epoch had been consumed once this batch was complete (the resume position).
/// </summary>
internal sealed record PreparedBatch(float[] Clips, long[] Labels, long ExamplesConsumedAfter);
