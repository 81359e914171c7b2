
namespace Sta.MLNet;

public sealed partial class StaTrainer
{
    /// <summary>
    /// Everything <see cref="StaTrainer"/> needs. This part holds how the detector is trained; the ML.NET side (columns,
    /// validation data, the fitted model's output options) is beside the trainer. Defaults follow the paper/official
    /// configuration (docs/design.md, "Training") where it is known: adapter tuning with CLIP frozen, Adam lr 2e-4 with L2
    /// weight decay 5e-4, batch 8, seed 1024.
    /// </summary>
    public sealed partial class Options
    {
        /// <summary>Network hyper-parameters (default: the official ViT-L/14 14-block preset).</summary>
        public StaNetworkOptions Network { get; set; } = StaPresets.Official;

        /// <summary>CLIP visual weights (OpenAI or Hugging Face naming, .pth or .safetensors) to initialise the backbone
        /// from. <see cref="StaTrainer"/> needs it or <see cref="InitialCheckpointPath"/> for adapter tuning, unless
        /// <see cref="AllowRandomBackbone"/> is set.</summary>
        public string? ClipWeightsPath { get; set; }

        /// <summary>A complete StA checkpoint to start from (e.g. the official sta_best.pth to fine-tune).</summary>
        public string? InitialCheckpointPath { get; set; }

        /// <summary>
        /// Lets <see cref="StaTrainer"/> run adapter tuning with neither <see cref="ClipWeightsPath"/> nor
        /// <see cref="InitialCheckpointPath"/>: the frozen backbone is then random weights and only the adapters and the
        /// head learn, which is useful for tests and smoke runs but not for a detector (the released code silently did
        /// this). Without it that combination is refused when the trainer is created. Full fine-tuning from scratch needs
        /// no permission (it trains the backbone too). Default false.
        /// </summary>
        public bool AllowRandomBackbone { get; set; }

        /// <summary>
        /// Train every parameter (223.8 M for the official preset, what the released training script does) instead of the
        /// paper's adapter tuning, which keeps CLIP frozen and trains the adapters, the temporal embedding, ln_post and the
        /// head (46,625,794 parameters). Default false: adapter tuning.
        /// </summary>
        public bool FullFineTuning { get; set; }

        /// <summary>Which parameters train, as the training loop applies it.</summary>
        internal StaTuningMode TuningMode
        {
            get => FullFineTuning ? StaTuningMode.FullFineTuning : StaTuningMode.AdapterTuning;
            set => FullFineTuning = value == StaTuningMode.FullFineTuning;
        }

        /// <summary>Passes over the training data (the official loop runs 31).</summary>
        public int Epochs { get; set; } = 30;

        /// <summary>Dataset clips per optimizer step; synthesized twins come on top (up to 2x).</summary>
        public int BatchSize { get; set; } = 8;

        /// <summary>Stop after this many optimizer steps in total (null = no limit). Useful for smoke runs.</summary>
        public long? MaxSteps { get; set; }

        /// <summary>
        /// Use AdamW (weight decay applied to the weights, decoupled from the gradient) instead of Adam with the weight
        /// decay added to the gradient (classic L2), which the official training uses. Default false.
        /// </summary>
        public bool DecoupledWeightDecay { get; set; }

        /// <summary>The optimizer, as the training loop builds it.</summary>
        internal StaOptimizerKind Optimizer
        {
            get => DecoupledWeightDecay ? StaOptimizerKind.AdamW : StaOptimizerKind.AdamL2;
            set => DecoupledWeightDecay = value == StaOptimizerKind.AdamW;
        }

        /// <summary>Adam learning rate, constant (no schedule, as the official training). Default 2e-4.</summary>
        public double LearningRate { get; set; } = 2e-4;

        /// <summary>Weight decay (L2 added to the gradient, or decoupled with <see cref="DecoupledWeightDecay"/>). Default 5e-4.</summary>
        public double WeightDecay { get; set; } = 5e-4;

        /// <summary>Adam's first-moment decay. Default 0.9.</summary>
        public double Beta1 { get; set; } = 0.9;

        /// <summary>Adam's second-moment decay. Default 0.999.</summary>
        public double Beta2 { get; set; } = 0.999;

        /// <summary>Adam's epsilon. Default 1e-8.</summary>
        public double AdamEpsilon { get; set; } = 1e-8;

        /// <summary>Seeds data order, dropout, blending and augmentation draws: equal seeds give equal runs.</summary>
        public int Seed { get; set; } = 1024;

        /// <summary>Video-level Blending use (needs landmarks). Default: mode (b), real + dataset fakes + VB twins.</summary>
        public VideoBlendingMode VideoBlending { get; set; } = VideoBlendingMode.RealFakeAndBlended;

        /// <summary>Blending constants of the VB twins; null (default) = <see cref="VideoBlendOptions.ForFaceSize"/> of the
        /// network's input resolution (the authors' 224 px settings scaled). Raise draw ranges or mask sizes for a stronger
        /// artefact (tests, ablations).</summary>
        public VideoBlendOptions? BlendOptions { get; set; }

        /// <summary>Probability that a real clip gets a VB twin in an epoch (1 = every real clip, every epoch).</summary>
        public double BlendingRatio { get; set; } = 1.0;

        /// <summary>Clip-consistent augmentation (docs/design.md, "Augmentation") of every training clip, real and synthesized.</summary>
        public bool Augment { get; set; } = true;

        /// <summary>Validate every this many epochs when validation data is given.</summary>
        public int ValidateEveryEpochs { get; set; } = 1;

        /// <summary>With validation data, end with the weights of the epoch of best validation AUC (else the last).</summary>
        public bool SelectBestByValidationAuc { get; set; } = true;

        /// <summary>Where checkpoints go (null = none). A run finds its own checkpoint there and resumes it exactly.</summary>
        public string? CheckpointDirectory { get; set; }

        /// <summary>Also checkpoint every this many optimizer steps (0 = only at epoch ends and on cancellation).</summary>
        public int CheckpointEverySteps { get; set; }

        /// <summary>Resume from <see cref="CheckpointDirectory"/> when it holds a checkpoint of the same configuration.</summary>
        public bool Resume { get; set; } = true;

        /// <summary>bf16 mixed precision on CUDA (LayerNorm stays fp32). Ignored on the CPU.</summary>
        public bool UseBf16OnCuda { get; set; } = true;

        /// <summary>Let cuDNN time its convolution algorithms and keep the fastest (PyTorch's cudnn.benchmark), on CUDA.
        /// A process-wide libtorch setting.</summary>
        public bool CudnnAutotuning { get; set; } = true;

        /// <summary>Steps between progress reports; null = 1 on the CPU, 10 on CUDA (each report waits for the device to
        /// deliver the losses, so fewer reports keep a GPU busier). Losses of every step are kept either way.</summary>
        public int? ReportEverySteps { get; set; }

        /// <summary>Receives a report every <see cref="ReportEverySteps"/> steps and at validations and checkpoints.</summary>
        public IProgress<StaTrainingProgress>? Progress { get; set; }

        /// <summary>
        /// Stops training at the next step boundary; a checkpoint is written first when a directory is set. Inside an ML.NET
        /// pipeline, <c>MLContext.CancelExecution()</c> does the same (<see cref="StaTrainer"/> then throws
        /// <see cref="OperationCanceledException"/> either way).
        /// </summary>
        public CancellationToken CancellationToken { get; set; }

        /// <summary>
        /// Called on the training thread with the name of each <see cref="TrainingFaultPoints"/> moment the run reaches; a
        /// crash test kills the process there. Null outside such tests.
        /// </summary>
        internal Action<string>? FaultProbe { get; set; }

        /// <summary>Checks the training settings (what the training loop needs) and throws <see cref="ArgumentException"/> naming the first problem.</summary>
        internal void ValidateTraining()
        {
            Network.Validate();
            if (Epochs <= 0) throw new ArgumentException("Epochs must be positive.");
            if (BatchSize <= 0) throw new ArgumentException("BatchSize must be positive.");
            if (LearningRate <= 0 || WeightDecay < 0) throw new ArgumentException("LearningRate must be positive and WeightDecay non-negative.");
            if (BlendingRatio is < 0 or > 1) throw new ArgumentException("BlendingRatio must be in [0, 1].");
            if (ValidateEveryEpochs <= 0) throw new ArgumentException("ValidateEveryEpochs must be positive.");
            if (CheckpointEverySteps < 0) throw new ArgumentException("CheckpointEverySteps must be >= 0.");
            if (ReportEverySteps is <= 0) throw new ArgumentException("ReportEverySteps must be positive.");
            BlendOptions?.Validate();
            if (ClipWeightsPath is not null && InitialCheckpointPath is not null)
                throw new ArgumentException("Give either ClipWeightsPath or InitialCheckpointPath, not both.");
        }

        /// <summary>The settings that must match for a checkpoint to be resumed (data order, model and optimizer).</summary>
        internal string Fingerprint() => string.Join("|",
            Network, TuningMode, BatchSize, Optimizer, LearningRate, WeightDecay,
            Beta1, Beta2, AdamEpsilon, Seed, VideoBlending, BlendOptions?.ToString() ?? "default-blend", BlendingRatio, Augment, string.Join(",", Network.SpatialKernels),
            string.Join(",", Network.TemporalKernels));
    }
}
