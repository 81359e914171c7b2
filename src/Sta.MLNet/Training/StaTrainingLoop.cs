using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// The training loop of the StA detector, independent of ML.NET: epochs over an <see cref="ITrainingData"/>, optional
/// Video-level Blending twins and clip augmentation, cross-entropy on the two logits, Adam, validation with best-epoch
/// selection, and checkpoints that resume exactly (same next batch, optimizer moments, BatchNorm statistics, dropout
/// draws). Every random draw is derived from (seed, epoch, row, purpose) or (seed, step), never from history.
/// <para>
/// The loop holds only settings: each <see cref="Run"/> keeps its own state, so one loop can train several detectors
/// one after the other. Checkpoints survive a crash at any moment (see <see cref="CheckpointFolder"/>): a rerun resumes
/// from the newest complete one.
/// </para>
/// </summary>
internal sealed class StaTrainingLoop
{
    /// <param name="auc">Computes the AUC of probability scores against labels (true = fake).</param>
    public StaTrainingLoop(StaTrainer.Options options, Device device, Func<IReadOnlyList<float>, IReadOnlyList<bool>, double> auc,
        IFakeClipSynthesizer? synthesizer = null, IClipAugmenter? augmenter = null, Action<string>? log = null)
    {
        options.ValidateTraining();
        if (options.VideoBlending != VideoBlendingMode.None && synthesizer is null)
            throw new ArgumentException($"VideoBlending = {options.VideoBlending} needs a synthesizer (Video-level Blending); set VideoBlending = None to train without it.");
        if (options.Augment && augmenter is null)
            throw new ArgumentException("Augment = true needs a clip augmenter; set Augment = false to train without augmentation.");
        Options = options;
        Device = device;
        Auc = auc;
        Synthesizer = synthesizer;
        Augmenter = augmenter;
        Log = log ?? (_ => { });
    }

    internal StaTrainer.Options Options { get; }

    internal Device Device { get; }

    internal Func<IReadOnlyList<float>, IReadOnlyList<bool>, double> Auc { get; }

    internal IFakeClipSynthesizer? Synthesizer { get; }

    internal IClipAugmenter? Augmenter { get; }

    internal Action<string> Log { get; }

    /// <summary>
    /// Called once per step (and per validation batch); throwing <see cref="OperationCanceledException"/> stops the run
    /// exactly as <see cref="StaTrainer.Options.CancellationToken"/> does. <see cref="StaTrainer"/> passes ML.NET's
    /// host check here, so that <c>MLContext.CancelExecution()</c> stops training like ML.NET's own trainers.
    /// </summary>
    internal Action? CheckAlive { get; init; }

    /// <summary>Where epoch durations and input waits are read (tests substitute a clock they advance themselves).</summary>
    internal TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Trains <paramref name="detector"/> in place (it is moved to the loop's device). Whether it returns or throws, the
    /// detector is left in eval mode with its compute type as before and no dropout generator.
    /// </summary>
    public StaTrainingResult Run(StaDetector detector, ITrainingData training, ITrainingData? validation)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(training);
        using var run = new TrainingRun(this, detector, training, validation);
        return run.Execute();
    }

    /// <summary>
    /// Reads the epoch from <paramref name="skip"/> on, groups dataset clips into batches (skipping dataset fakes in
    /// mode (a)), synthesizes Video-level Blending twins and augments every clip. Runs on the prefetch thread; every draw
    /// is seeded by (seed, epoch, row, purpose), so the batches do not depend on timing.
    /// </summary>
    internal IEnumerable<PreparedBatch> PrepareBatches(ITrainingData training, int epoch, long skip, long clipLength, CancellationToken cancel)
    {
        var pending = new List<TrainingExample>(Options.BatchSize);
        long consumed = skip;
        var network = Options.Network;
        foreach (var example in training.ReadEpoch(epoch, skip, cancel))
        {
            if (example.Clip.LongLength != clipLength)
                throw new InvalidDataException($"Training row {example.RowIndex}: clip has {example.Clip.LongLength} values, the network needs " +
                    $"{network.NumFrames}x3x{network.InputResolution}x{network.InputResolution} = {clipLength}.");
            consumed++;
            if (Options.VideoBlending == VideoBlendingMode.RealAndBlended && example.Label) continue;
            pending.Add(example);
            if (pending.Count < Options.BatchSize) continue;
            yield return Prepare(pending, epoch, clipLength, consumed);
            pending.Clear();
        }
        if (pending.Count > 0) yield return Prepare(pending, epoch, clipLength, consumed);
    }

    private PreparedBatch Prepare(List<TrainingExample> examples, int epoch, long clipLength, long consumedAfter)
    {
        var clips = new List<float[]>(examples.Count * 2);
        var labels = new List<long>(examples.Count * 2);
        var twins = new List<float[]>();
        foreach (var example in examples)
        {
            var clip = (float[])example.Clip.Clone();
            if (Options.Augment) Augmenter!.Augment(clip, StableRandom.SeedFrom(Options.Seed, epoch, example.RowIndex, 2));
            clips.Add(clip);
            labels.Add(example.Label ? 1 : 0);
            bool blend = Options.VideoBlending != VideoBlendingMode.None && !example.Label &&
                         StableRandom.UnitFromSeed(StableRandom.SeedFrom(Options.Seed, epoch, example.RowIndex, 1)) < Options.BlendingRatio;
            if (!blend) continue;
            var twin = Synthesizer!.Synthesize(example, StableRandom.SeedFrom(Options.Seed, epoch, example.RowIndex, 3));
            if (twin.LongLength != clipLength) throw new InvalidOperationException("The synthesizer returned a clip of the wrong size.");
            if (Options.Augment) Augmenter!.Augment(twin, StableRandom.SeedFrom(Options.Seed, epoch, example.RowIndex, 4));
            twins.Add(twin);
        }
        // Batch layout as the official VB collate: dataset clips first, then their synthesized twins (label fake).
        clips.AddRange(twins);
        labels.AddRange(Enumerable.Repeat(1L, twins.Count));
        bool pinned = HostBatch.PinFor(Device);
        var clipTensor = HostBatch.Clips(clips, clips.Count, Options.Network, pinned);
        try
        {
            return new PreparedBatch(clipTensor, HostBatch.Labels(labels.ToArray(), pinned), consumedAfter);
        }
        catch
        {
            clipTensor.Dispose();
            throw;
        }
    }
}
