using Sta.MLNet.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet.Training;

/// <summary>
/// Adam with either classic L2 weight decay (added to the gradient, as PyTorch's Adam and the official training) or
/// decoupled weight decay (AdamW), with the same arithmetic as PyTorch's single-tensor implementation. Our own so that
/// its state — step count and both moments — is saved in a format we control (safetensors) and reloads exactly:
/// exact resume depends on it.
/// </summary>
public sealed class StaAdam : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Tensor[] _firstMoments;
    private readonly Tensor[] _secondMoments;
    private readonly double _learningRate, _beta1, _beta2, _epsilon, _weightDecay;
    private readonly bool _decoupled;

    public StaAdam(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double learningRate, double beta1, double beta2,
        double epsilon, double weightDecay, bool decoupledWeightDecay)
    {
        _parameters = parameters;
        (_learningRate, _beta1, _beta2, _epsilon, _weightDecay, _decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay);
        _firstMoments = parameters.Select(p => zeros_like(p.Parameter).DetachFromDisposeScope()).ToArray();
        _secondMoments = parameters.Select(p => zeros_like(p.Parameter).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; private set; }

    public void ZeroGrad()
    {
        foreach (var (_, parameter) in _parameters) parameter.grad?.zero_();
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void StepOnce()
    {
        Step++;
        double correction1 = 1 - Math.Pow(_beta1, Step);
        double correction2Sqrt = Math.Sqrt(1 - Math.Pow(_beta2, Step));
        double stepSize = _learningRate / correction1;
        using var guard = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var parameter = _parameters[i].Parameter;
            var grad = parameter.grad;
            if (grad is null) continue;
            if (_weightDecay != 0)
            {
                if (_decoupled) parameter.mul_(1 - _learningRate * _weightDecay);
                else grad = grad.add(parameter, alpha: _weightDecay);
            }
            _firstMoments[i].lerp_(grad, 1 - _beta1);
            _secondMoments[i].mul_(_beta2).addcmul_(grad, grad, value: 1 - _beta2);
            var denominator = (_secondMoments[i].sqrt() / correction2Sqrt).add_(_epsilon);
            parameter.addcdiv_(_firstMoments[i], denominator, value: -stepSize);
        }
    }

    /// <summary>Writes the step count and both moments (float32, by parameter name).</summary>
    public void Save(string path)
    {
        var tensors = new List<(string, long[], float[])> { ("step", [1], [Step]) };
        for (int i = 0; i < _parameters.Count; i++)
        {
            tensors.Add(("m." + _parameters[i].Name, _firstMoments[i].shape, _firstMoments[i].cpu().data<float>().ToArray()));
            tensors.Add(("v." + _parameters[i].Name, _secondMoments[i].shape, _secondMoments[i].cpu().data<float>().ToArray()));
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
        for (int i = 0; i < _parameters.Count; i++)
        {
            var name = _parameters[i].Name;
            if (!entries.TryGetValue("m." + name, out var m) || !entries.TryGetValue("v." + name, out var v))
                throw new InvalidDataException($"{path} has no optimizer state for parameter '{name}': it belongs to another configuration.");
            using var first = tensor(m.ToSingleArray(), m.Shape);
            using var second = tensor(v.ToSingleArray(), v.Shape);
            _firstMoments[i].copy_(first);
            _secondMoments[i].copy_(second);
        }
        Step = (long)step.ToSingleArray()[0];
    }

    public void Dispose()
    {
        foreach (var t in _firstMoments.Concat(_secondMoments)) t.Dispose();
    }
}
