using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

public sealed class InspectCommandTests
{
    [Fact]
    public void The_one_layer_56px_official_fixture_is_reported_as_non_standard_with_its_sizes()
    {
        var result = CliRun.Invoke("inspect", TestAssets.TinyOfficialPth);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("format:      PyTorch", result.Out);
        Assert.Contains("entries:     160", result.Out);
        Assert.Contains("16,560,642", result.Out); // the fixture README's parameter count
        Assert.Contains("non-standard configuration", result.Out);
        Assert.Contains("width 1024, layers 1, heads 16, patch 14, resolution 56, frames 8, adapter width 512, MLP 4096", result.Out);
        Assert.Contains("account for every key and shape", result.Out);
        // Against the official preset only the positional embedding differs in shape; blocks 1..13 are missing.
        Assert.Contains("official: 1950 missing, 0 unexpected, 1 mis-shaped", result.Out);
        Assert.Contains("backbone.positional_embedding: checkpoint [17,1024] vs official [257,1024]", result.Out);
    }

    [Fact]
    public void Json_output_carries_the_detected_sizes_and_every_entry()
    {
        var result = CliRun.Invoke("inspect", TestAssets.TinyOfficialPth, "--json", "-");
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.Equal("sta.inspect/1", root.GetProperty("schema").GetString());
        Assert.Equal(new SortedSet<string>(CliDoc.Block("inspect-json-fields"), StringComparer.Ordinal), JsonPaths.Of(root));
        Assert.False(root.GetProperty("standard").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("preset").ValueKind);
        Assert.Equal(16_560_642, root.GetProperty("parameters").GetInt64());
        var detected = root.GetProperty("detected");
        Assert.Equal(1, detected.GetProperty("layers").GetInt32());
        Assert.Equal(56, detected.GetProperty("input_resolution").GetInt32());
        Assert.Equal(14, detected.GetProperty("patch_size").GetInt32());
        Assert.True(detected.GetProperty("accounts_for_all_keys").GetBoolean());
        var entries = root.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(160, entries.Count);
        // Every "name [shape] dtype" line of the fixture's key list, and nothing else.
        var keyList = File.ReadAllLines(Path.ChangeExtension(TestAssets.TinyOfficialPth, ".keys.txt"));
        var listed = entries.Select(e => $"{e.GetProperty("key").GetString()} [{string.Join(",", e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()))}] {e.GetProperty("dtype").GetString()}");
        Assert.Equal(keyList.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(3, root.GetProperty("presets").GetArrayLength());
    }

    [Fact]
    public void A_tiny_preset_checkpoint_is_recognised_and_keys_can_be_listed()
    {
        var result = CliRun.Invoke("inspect", TestAssets.TinyCheckpoint, "--keys");
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("preset:      tiny (every key and shape matches)", result.Out);
        Assert.Contains("backbone.conv1.weight [64,3,8,8] float32", result.Out);
        Assert.Contains("detected:    width 64, layers 2, heads 4, patch 8, resolution 32", result.Out);
        Assert.DoesNotContain("non-standard", result.Out);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_fails_with_a_message()
    {
        var result = CliRun.Invoke("inspect", TestAssets.CorruptVideo);
        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("error:", result.Error);
    }
}
