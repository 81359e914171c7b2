using Sta.MLNet;
using Sta.MLNet.Tests.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Checkpoints;

public sealed class ClipInitializationTests : IDisposable
{
    private static readonly StaNetworkOptions Options = StaPresets.Tiny;
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-clip-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>A random OpenAI-named CLIP visual state_dict one block deeper than the network, with <c>proj</c>.</summary>
    private static Dictionary<string, Tensor> RandomOpenAiClip(int blocks)
    {
        using var g = new Generator(1234);
        int w = Options.Width, m = Options.MlpWidth;
        Tensor R(params long[] shape) => randn(shape, generator: g);
        var d = new Dictionary<string, Tensor>
        {
            ["class_embedding"] = R(w),
            ["positional_embedding"] = R(Options.TokensPerFrame, w),
            ["proj"] = R(w, 16),
            ["conv1.weight"] = R(w, 3, Options.PatchSize, Options.PatchSize),
            ["ln_pre.weight"] = R(w),
            ["ln_pre.bias"] = R(w),
            ["ln_post.weight"] = R(w),
            ["ln_post.bias"] = R(w),
        };
        for (int i = 0; i < blocks; i++)
        {
            var p = $"transformer.resblocks.{i}.";
            d[p + "ln_1.weight"] = R(w); d[p + "ln_1.bias"] = R(w);
            d[p + "attn.in_proj_weight"] = R(3 * w, w); d[p + "attn.in_proj_bias"] = R(3 * w);
            d[p + "attn.out_proj.weight"] = R(w, w); d[p + "attn.out_proj.bias"] = R(w);
            d[p + "ln_2.weight"] = R(w); d[p + "ln_2.bias"] = R(w);
            d[p + "mlp.c_fc.weight"] = R(m, w); d[p + "mlp.c_fc.bias"] = R(m);
            d[p + "mlp.c_proj.weight"] = R(w, m); d[p + "mlp.c_proj.bias"] = R(w);
        }
        return d;
    }

    /// <summary>The same weights under Hugging Face CLIPVisionModel names (q/k/v split), as a CLIPModel dump would hold them.</summary>
    private static Dictionary<string, Tensor> ToHuggingFace(Dictionary<string, Tensor> openAi, int blocks)
    {
        const string v = "vision_model.";
        using var transposedProjection = openAi["proj"].t();
        var d = new Dictionary<string, Tensor>
        {
            [v + "embeddings.class_embedding"] = openAi["class_embedding"],
            [v + "embeddings.patch_embedding.weight"] = openAi["conv1.weight"],
            [v + "embeddings.position_embedding.weight"] = openAi["positional_embedding"],
            [v + "embeddings.position_ids"] = tensor(Enumerable.Range(0, Options.TokensPerFrame).Select(i => (long)i).ToArray(), [1, Options.TokensPerFrame]),
            [v + "pre_layrnorm.weight"] = openAi["ln_pre.weight"],
            [v + "pre_layrnorm.bias"] = openAi["ln_pre.bias"],
            [v + "post_layernorm.weight"] = openAi["ln_post.weight"],
            [v + "post_layernorm.bias"] = openAi["ln_post.bias"],
            ["visual_projection.weight"] = transposedProjection.contiguous(),
            ["text_model.embeddings.token_embedding.weight"] = zeros(10, 4),
        };
        for (int i = 0; i < blocks; i++)
        {
            var o = $"transformer.resblocks.{i}.";
            var h = $"{v}encoder.layers.{i}.";
            var qkv = openAi[o + "attn.in_proj_weight"].chunk(3, 0);
            var qkvBias = openAi[o + "attn.in_proj_bias"].chunk(3, 0);
            string[] names = ["q_proj", "k_proj", "v_proj"];
            for (int j = 0; j < 3; j++)
            {
                d[h + $"self_attn.{names[j]}.weight"] = qkv[j].contiguous();
                d[h + $"self_attn.{names[j]}.bias"] = qkvBias[j].contiguous();
            }
            d[h + "self_attn.out_proj.weight"] = openAi[o + "attn.out_proj.weight"];
            d[h + "self_attn.out_proj.bias"] = openAi[o + "attn.out_proj.bias"];
            d[h + "layer_norm1.weight"] = openAi[o + "ln_1.weight"];
            d[h + "layer_norm1.bias"] = openAi[o + "ln_1.bias"];
            d[h + "layer_norm2.weight"] = openAi[o + "ln_2.weight"];
            d[h + "layer_norm2.bias"] = openAi[o + "ln_2.bias"];
            d[h + "mlp.fc1.weight"] = openAi[o + "mlp.c_fc.weight"];
            d[h + "mlp.fc1.bias"] = openAi[o + "mlp.c_fc.bias"];
            d[h + "mlp.fc2.weight"] = openAi[o + "mlp.c_proj.weight"];
            d[h + "mlp.fc2.bias"] = openAi[o + "mlp.c_proj.bias"];
        }
        return d;
    }

    [Fact]
    public void OpenAiAndHuggingFaceNamedClipGiveIdenticalNetworks()
    {
        using var scope = NewDisposeScope();
        int blocks = Options.Layers + 1;
        var openAi = RandomOpenAiClip(blocks);
        var openAiPath = Path.Combine(_temp, "clip-openai.pth");
        var hfPath = Path.Combine(_temp, "clip-hf.safetensors");
        StateDictFile.Save(openAiPath, openAi.ToDictionary(p => "visual." + p.Key, p => p.Value), CheckpointFormat.PyTorch);
        StateDictFile.Save(hfPath, ToHuggingFace(openAi, blocks), CheckpointFormat.SafeTensors);

        using var fromOpenAi = TestNetworks.RandomTiny(seed: 1);
        using var fromHf = TestNetworks.RandomTiny(seed: 1);
        using (var clip = ClipVisualWeights.Load(openAiPath))
        {
            Assert.Equal(ClipNaming.OpenAi, clip.Naming);
            var report = ClipInitializer.Apply(fromOpenAi, clip);
            Assert.Contains("proj", report.IgnoredKeys);
            Assert.Equal(12, report.IgnoredKeys.Count(k => k.StartsWith($"transformer.resblocks.{Options.Layers}.")));
            Assert.Equal(ClipInitializer.ExpectedClipKeys(Options).Count(), report.LoadedKeys.Count);
        }
        using (var clip = ClipVisualWeights.Load(hfPath))
        {
            Assert.Equal(ClipNaming.HuggingFace, clip.Naming);
            ClipInitializer.Apply(fromHf, clip);
        }

        var a = fromOpenAi.state_dict();
        var b = fromHf.state_dict();
        foreach (var key in ClipInitializer.ExpectedClipKeys(Options))
        {
            Assert.True(TensorCompare.Identical(openAi[key], a["backbone." + key]), $"OpenAI import of {key}");
            Assert.True(TensorCompare.Identical(a["backbone." + key], b["backbone." + key]), $"HF import of {key}");
        }
        foreach (var (key, tensor) in a) Assert.True(TensorCompare.Identical(tensor, b[key]), key);
        Assert.Equal(0, a["backbone.transformer.resblocks.0.Adapter.up.weight"].abs().sum().item<float>());
    }

    [Fact]
    public void ClipWithTooFewBlocksOrWrongWidthIsRejected()
    {
        using var detector = new StaDetector(Options);
        var shallow = RandomOpenAiClip(blocks: 1);
        using (var clip = ClipVisualWeights.FromStateDict(shallow, "shallow"))
            Assert.Contains("1 CLIP blocks", Assert.Throws<InvalidDataException>(() => ClipInitializer.Apply(detector, clip)).Message);

        var wrongWidth = RandomOpenAiClip(blocks: Options.Layers);
        wrongWidth["ln_pre.weight"] = zeros(Options.Width + 1);
        using (var clip = ClipVisualWeights.FromStateDict(wrongWidth, "wide"))
            Assert.Contains("ln_pre.weight", Assert.Throws<CheckpointMismatchException>(() => ClipInitializer.Apply(detector, clip)).Message);

        var notClip = new Dictionary<string, Tensor> { ["foo.weight"] = zeros(3) };
        Assert.Throws<InvalidDataException>(() => ClipVisualWeights.FromStateDict(notClip, "foo"));
    }
}
