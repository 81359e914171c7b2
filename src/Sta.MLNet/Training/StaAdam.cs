using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Adam with either classic L2 weight decay (added to the gradient, as PyTorch's Adam and the official training) or
/// decoupled weight decay (AdamW), element for element the arithmetic of PyTorch's implementation.
/// </summary>
/// <remarks>
/// The trainable parameters are moved into one flat buffer (each parameter becomes a view of it, keeping its identity),
/// and their gradients are views of a second flat buffer that autograd accumulates into in place. An update is then a
/// handful of element-wise kernels over all parameters instead of ~10 per parameter: the StA adapters have over a
/// thousand parameter tensors, and per-tensor updates cost ~0.1 s per step on a GPU in launch overhead alone.
/// The state (step count and both moments, by parameter name) is saved as safetensors in a format we control, so a
/// resumed run continues exactly. The parameters must share one device and dtype.
/// </remarks>
internal sealed class StaAdam : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly long[] _offsets;
    private readonly Tensor _flat;
    private readonly Tensor _flatGrad;
    private readonly Tensor _firstMoment;
    private readonly Tensor _secondMoment;
    private readonly double _learningRate, _beta1, _beta2, _epsilon, _weightDecay;
    private readonly bool _decoupled;
    private bool _gradientsGathered;
    private bool _aliasingChecked;

    public StaAdam(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double learningRate, double beta1, double beta2,
        double epsilon, double weightDecay, bool decoupledWeightDecay)
    {
        if (parameters.Count == 0) throw new ArgumentException("No trainable parameters.", nameof(parameters));
        _parameters = parameters;
        (_learningRate, _beta1, _beta2, _epsilon, _weightDecay, _decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay);
        var first = parameters[0].Parameter;
        if (parameters.Any(p => p.Parameter.dtype != first.dtype || p.Parameter.device_type != first.device_type || p.Parameter.device_index != first.device_index))
            throw new ArgumentException("All trainable parameters must share one dtype and device.", nameof(parameters));

        _offsets = new long[parameters.Count + 1];
        for (int i = 0; i < parameters.Count; i++) _offsets[i + 1] = _offsets[i] + parameters[i].Parameter.numel();
        long total = _offsets[^1];
        // Every tensor made here is owned by a scope or a field, so the GC cannot finalize one while libtorch reads it.
        using var scope = NewDisposeScope();
        _flat = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        _flatGrad = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        _firstMoment = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        _secondMoment = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        using var guard = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i].Parameter;
            var view = Slice(_flat, i).view(parameter.shape);
            view.copy_(parameter);
            parameter.set_(view);
            parameter.grad = Slice(_flatGrad, i).view(parameter.shape);
        }
    }

    private Tensor Slice(Tensor flat, int index) => flat.narrow(0, _offsets[index], _offsets[index + 1] - _offsets[index]);

    /// <summary>True when libtorch did not accumulate gradients into the flat buffer and they are copied each step.</summary>
    internal bool GradientsGathered => _gradientsGathered;

    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; private set; }

    public void ZeroGrad()
    {
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        if (_gradientsGathered)
        {
            foreach (var (_, parameter) in _parameters) parameter.grad?.zero_();
        }
        _flatGrad.zero_();
    }

    /// <summary>One update of every parameter.</summary>
    public void StepOnce()
    {
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        EnsureGradientsInFlatBuffer();
        Step++;
        double correction1 = 1 - Math.Pow(_beta1, Step);
        double correction2Sqrt = Math.Sqrt(1 - Math.Pow(_beta2, Step));
        double stepSize = _learningRate / correction1;
        var grad = _flatGrad;
        if (_weightDecay != 0)
        {
            if (_decoupled) _flat.MultiplyInPlace(1 - _learningRate * _weightDecay);
            else grad = grad.Add(_flat, alpha: _weightDecay);
        }
        _firstMoment.LerpInPlace(grad, 1 - _beta1);
        _secondMoment.MultiplyInPlace(_beta2).AddProductInPlace(grad, grad, 1 - _beta2);
        var denominator = _secondMoment.sqrt().Divide(correction2Sqrt).AddInPlace(_epsilon);
        _flat.AddQuotientInPlace(_firstMoment, denominator, -stepSize);
    }

    /// <summary>
    /// Autograd accumulates into an existing dense gradient in place, so the gradients stay views of the flat buffer;
    /// this is checked once, and should a libtorch ever replace them, they are gathered into the buffer every step.
    /// </summary>
    private void EnsureGradientsInFlatBuffer()
    {
        if (!_aliasingChecked)
        {
            _aliasingChecked = true;
            // A gradient that is still our view sits at its offset in the flat buffer's storage; a replaced one at 0.
            for (int i = 1; i < _parameters.Count && !_gradientsGathered; i++)
            {
                var grad = _parameters[i].Parameter.grad;
                _gradientsGathered = grad is not null && grad.storage_offset() != _offsets[i];
            }
        }
        if (!_gradientsGathered) return;
        for (int i = 0; i < _parameters.Count; i++)
        {
            var grad = _parameters[i].Parameter.grad;
            if (grad is null) Slice(_flatGrad, i).zero_();
            else Slice(_flatGrad, i).copy_(grad.reshape(-1));
        }
    }

    /// <summary>Writes the step count and both moments (float32, by parameter name).</summary>
    public void Save(string path)
    {
        var tensors = new List<(string, long[], float[])> { ("step", [1], [Step]) };
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var shape = _parameters[i].Parameter.shape;
            tensors.Add(("m." + _parameters[i].Name, shape, Slice(_firstMoment, i).to_type(ScalarType.Float32).cpu().data<float>().ToArray()));
            tensors.Add(("v." + _parameters[i].Name, shape, Slice(_secondMoment, i).to_type(ScalarType.Float32).cpu().data<float>().ToArray()));
        }
        SafeTensorsFile.WriteSingle(path, tensors, new Dictionary<string, string> { ["format"] = "sta-adam-1" });
    }

    /// <summary>Restores what <see cref="Save"/> wrote; the parameter set must be the same.</summary>
    public void Load(string path)
    {
        var entries = SafeTensorsFile.Read(path);
        if (!entries.TryGetValue("step", out var step))
            throw new InvalidDataException($"{path} is not an optimizer state file (no 'step').");
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var name = _parameters[i].Name;
            if (!entries.TryGetValue("m." + name, out var m) || !entries.TryGetValue("v." + name, out var v) ||
                m.ElementCount != _offsets[i + 1] - _offsets[i] || v.ElementCount != m.ElementCount)
                throw new InvalidDataException($"{path} has no matching optimizer state for parameter '{name}': it belongs to another configuration.");
            Slice(_firstMoment, i).copy_(tensor(m.ToSingleArray()));
            Slice(_secondMoment, i).copy_(tensor(v.ToSingleArray()));
        }
        Step = (long)step.ToSingleArray()[0];
    }

    /// <summary>Frees the optimizer state and the gradient buffer (the parameters keep their values).</summary>
    public void Dispose()
    {
        // A parameter may already be gone (e.g. its module was converted to another dtype, which replaces parameters).
        foreach (var (_, parameter) in _parameters)
            if (!parameter.IsInvalid) parameter.grad = null;
        _flatGrad.Dispose();
        _firstMoment.Dispose();
        _secondMoment.Dispose();
    }
}
