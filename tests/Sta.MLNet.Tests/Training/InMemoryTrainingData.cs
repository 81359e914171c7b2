using Sta.MLNet;

namespace Sta.MLNet.Tests.Training;

/// <summary>A small list of clips replayed in a seeded per-epoch order.</summary>
internal sealed class InMemoryTrainingData(IReadOnlyList<TrainingExample> examples, int seed, bool shuffle = true) : ITrainingData
{
    public int Reads { get; private set; }

    public IEnumerable<TrainingExample> ReadEpoch(int epoch, long skip, CancellationToken cancellationToken)
    {
        Reads++;
        var order = Enumerable.Range(0, examples.Count).ToArray();
        if (shuffle) new Random((int)(StableRandom.SeedFrom(seed, epoch) & 0x7FFFFFFF)).Shuffle(order);
        foreach (var index in order.Skip((int)skip))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return examples[index];
        }
    }

    /// <summary>
    /// Clips where fakes carry a frame-to-frame flicker in one colour channel and reals are static noise images:
    /// learnable only through temporal information, like the artefacts the adapters exist for.
    /// </summary>
    public static List<TrainingExample> Flicker(int count, int frames, int size, int seed)
    {
        var random = new Random(seed);
        var list = new List<TrainingExample>();
        for (int i = 0; i < count; i++)
        {
            bool fake = i % 2 == 1;
            var clip = new float[frames * 3 * size * size];
            var baseImage = new float[3 * size * size];
            for (int p = 0; p < baseImage.Length; p++) baseImage[p] = (float)(random.NextDouble() * 2 - 1);
            for (int t = 0; t < frames; t++)
            {
                float flicker = fake ? (t % 2 == 0 ? 0.8f : -0.8f) : 0f;
                for (int p = 0; p < baseImage.Length; p++)
                    clip[t * baseImage.Length + p] = baseImage[p] + (p < size * size ? flicker : 0f);
            }
            list.Add(new TrainingExample(i, clip, fake, null, $"{(fake ? "fake" : "real")}{i / 4}"));
        }
        return list;
    }
}
