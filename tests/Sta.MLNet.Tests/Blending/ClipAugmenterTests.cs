using Sta.MLNet;

namespace Sta.MLNet.Tests.Blending;

public sealed class ClipAugmenterTests
{
    private static RgbClip Constant(int frames, byte value)
    {
        var clip = RgbClip.Zeros(frames, 32, 48);
        clip.Pixels.AsSpan().Fill(value);
        return clip;
    }

    private static RgbClip Noise(int frames, int seed)
    {
        var clip = RgbClip.Zeros(frames, 32, 48);
        new Random(seed).NextBytes(clip.Pixels);
        return clip;
    }

    [Fact]
    public void Every_frame_of_a_clip_gets_the_same_augmentation()
    {
        var (clip, _) = AstronautClip.Load(frameCount: 3);
        using var augmenter = new ClipAugmenter(seed: 17, new ClipAugmentationOptions
        {
            HorizontalFlipProbability = 0.5, RotateProbability = 1, BlurProbability = 0.5, ColorProbability = 1, JpegProbability = 1,
        });
        var kinds = new HashSet<ColorJitterKind>();
        for (var key = 0; key < 12; key++)
        {
            var output = new byte[clip.Pixels.Length];
            var parameters = augmenter.Augment(clip.Pixels, 3, clip.Height, clip.Width, key, output);
            kinds.Add(parameters.Color);
            var augmented = new RgbClip(output, 3, clip.Height, clip.Width);
            // Identical input frames + one shared draw => identical output frames.
            Assert.True(augmented.Frame(0).SequenceEqual(augmented.Frame(1)), $"key {key}: frames 0 and 1 differ ({parameters})");
            Assert.True(augmented.Frame(0).SequenceEqual(augmented.Frame(2)), $"key {key}: frames 0 and 2 differ ({parameters})");
            Assert.False(augmented.Frame(0).SequenceEqual(clip.Frame(0)), $"key {key}: nothing changed ({parameters})");
        }
        Assert.Equal(3, kinds.Count);
    }

    [Fact]
    public void Flip_mirrors_every_frame()
    {
        var clip = Noise(4, 1);
        using var augmenter = new ClipAugmenter(seed: 0);
        var output = new byte[clip.Pixels.Length];
        augmenter.Apply(ClipAugmentationParameters.Identity with { Flip = true }, clip.Pixels, 4, clip.Height, clip.Width, output);
        var flipped = new RgbClip(output, 4, clip.Height, clip.Width);
        for (var t = 0; t < 4; t++)
        {
            for (var y = 0; y < clip.Height; y++)
                for (var x = 0; x < clip.Width; x++)
                    for (var c = 0; c < 3; c++)
                        Assert.Equal(clip.Frame(t)[(y * clip.Width + x) * 3 + c], flipped.Frame(t)[(y * clip.Width + clip.Width - 1 - x) * 3 + c]);
        }
    }

    [Fact]
    public void Same_seed_and_key_reproduce_and_other_keys_vary()
    {
        var clip = Noise(2, 2);
        using var a = new ClipAugmenter(seed: 5);
        using var b = new ClipAugmenter(seed: 5);
        var first = new byte[clip.Pixels.Length];
        var second = new byte[clip.Pixels.Length];
        a.Augment(clip.Pixels, 2, clip.Height, clip.Width, 9, first);
        a.Augment(clip.Pixels, 2, clip.Height, clip.Width, 10, second);
        b.Augment(clip.Pixels, 2, clip.Height, clip.Width, 9, second);
        Assert.Equal(first, second);
        var distinct = Enumerable.Range(0, 20).Select(k => a.DrawParameters(k)).Distinct().Count();
        Assert.True(distinct >= 18, $"only {distinct} distinct draws among 20 clips");
        Assert.NotEqual(a.DrawParameters(9), new ClipAugmenter(seed: 6).DrawParameters(9));
    }

    [Fact]
    public void Draws_follow_the_documented_distribution()
    {
        var augmenter = new ClipAugmenter(seed: 3);
        var draws = Enumerable.Range(0, 2000).Select(k => augmenter.DrawParameters(k)).ToArray();
        static double Rate(IEnumerable<bool> flags) => flags.Average(f => f ? 1.0 : 0.0);
        Assert.InRange(Rate(draws.Select(d => d.Flip)), 0.45, 0.55);
        Assert.InRange(Rate(draws.Select(d => d.RotationDegrees is not null)), 0.45, 0.55);
        Assert.InRange(Rate(draws.Select(d => d.BlurKernel is not null)), 0.45, 0.55);
        Assert.InRange(Rate(draws.Select(d => d.Color != ColorJitterKind.None)), 0.45, 0.55);
        Assert.InRange(Rate(draws.Select(d => d.JpegQuality is not null)), 0.45, 0.55);
        Assert.All(draws.Where(d => d.RotationDegrees is not null), d => Assert.InRange(d.RotationDegrees!.Value, -10, 10));
        Assert.Equal([3, 5, 7], draws.Where(d => d.BlurKernel is not null).Select(d => d.BlurKernel!.Value).Distinct().Order());
        Assert.Equal(3, draws.Where(d => d.Color != ColorJitterKind.None).Select(d => d.Color).Distinct().Count());
        var qualities = draws.Where(d => d.JpegQuality is not null).Select(d => d.JpegQuality!.Value).ToArray();
        Assert.Equal(40, qualities.Min());
        Assert.Equal(100, qualities.Max());
        Assert.All(draws.Where(d => d.Color == ColorJitterKind.BrightnessContrast), d =>
        {
            Assert.InRange(d.ContrastFactor, 0.9, 1.1);
            Assert.InRange(d.BrightnessOffset, -0.1, 0.1);
        });
        Assert.All(draws.Where(d => d.Color == ColorJitterKind.HueSaturationValue), d =>
        {
            Assert.InRange(d.HueShift, -20, 20);
            Assert.InRange(d.SaturationShift, -30, 30);
            Assert.InRange(d.ValueShift, -20, 20);
        });
        var alphas = draws.Where(d => d.Color == ColorJitterKind.FancyPca).Select(d => d.PcaAlpha.First).ToArray();
        var std = Math.Sqrt(alphas.Average(a => a * a));
        Assert.InRange(std, 0.08, 0.12);
    }

    [Fact]
    public void Rotation_uses_a_reflecting_border_and_keeps_flat_frames_flat()
    {
        var clip = Constant(2, 200);
        using var augmenter = new ClipAugmenter(seed: 0);
        var output = new byte[clip.Pixels.Length];
        augmenter.Apply(ClipAugmentationParameters.Identity with { RotationDegrees = 9.5, BlurKernel = 7 }, clip.Pixels, 2, clip.Height, clip.Width, output);
        Assert.All(output, v => Assert.Equal(200, v));
    }

    [Fact]
    public void Colour_transforms_follow_the_uint8_lookup_semantics()
    {
        var clip = Constant(1, 100);
        using var augmenter = new ClipAugmenter(seed: 0);
        var output = new byte[clip.Pixels.Length];
        augmenter.Apply(ClipAugmentationParameters.Identity with { Color = ColorJitterKind.BrightnessContrast, ContrastFactor = 1.1, BrightnessOffset = 0.05 },
            clip.Pixels, 1, clip.Height, clip.Width, output);
        Assert.All(output, v => Assert.Equal((byte)(100 * 1.1 + 0.05 * 255), v)); // 122: truncated, not rounded

        augmenter.Apply(ClipAugmentationParameters.Identity with { Color = ColorJitterKind.HueSaturationValue, HueShift = 15, ValueShift = 10 },
            clip.Pixels, 1, clip.Height, clip.Width, output);
        Assert.All(output, v => Assert.Equal(110, v)); // grey has no hue/saturation: only the value moves

        // FancyPCA of a flat frame: zero covariance, nothing moves.
        augmenter.Apply(ClipAugmentationParameters.Identity with { Color = ColorJitterKind.FancyPca, PcaAlpha = (0.3, -0.2, 0.1) },
            clip.Pixels, 1, clip.Height, clip.Width, output);
        Assert.All(output, v => Assert.Equal(100, v));

        // FancyPCA of a real face moves each channel by one constant offset.
        var (face, _) = AstronautClip.Load(frameCount: 1);
        var faceOut = new byte[face.Pixels.Length];
        augmenter.Apply(ClipAugmentationParameters.Identity with { Color = ColorJitterKind.FancyPca, PcaAlpha = (0.3, 0, 0) },
            face.Pixels, 1, face.Height, face.Width, faceOut);
        var shifts = new HashSet<int>[3] { [], [], [] };
        for (var i = 0; i < faceOut.Length; i++)
            if (face.Pixels[i] is > 40 and < 200) shifts[i % 3].Add(faceOut[i] - face.Pixels[i]);
        Assert.All(shifts, s => Assert.True(s.Count <= 2, $"channel offsets {string.Join(',', s)}"));
        Assert.Contains(shifts, s => !s.Contains(0));
    }

    [Fact]
    public void Identity_and_in_place_operation()
    {
        var clip = Noise(3, 4);
        var copy = (byte[])clip.Pixels.Clone();
        using var augmenter = new ClipAugmenter(seed: 0);
        var output = new byte[clip.Pixels.Length];
        augmenter.Apply(ClipAugmentationParameters.Identity, clip.Pixels, 3, clip.Height, clip.Width, output);
        Assert.Equal(copy, output);

        var expected = new byte[clip.Pixels.Length];
        var parameters = augmenter.Augment(clip.Pixels, 3, clip.Height, clip.Width, 77, expected);
        Assert.Equal(parameters, augmenter.AugmentInPlace(clip, 77));
        Assert.Equal(expected, clip.Pixels);
        Assert.Throws<ArgumentException>(() => augmenter.Apply(ClipAugmentationParameters.Identity, clip.Pixels, 2, clip.Height, clip.Width, output));
        Assert.Throws<ArgumentException>(() => new ClipAugmenter(0, new ClipAugmentationOptions { BlurMaxKernel = 6 }));
    }

    [Fact]
    public void Per_row_entry_point_matches_an_explicit_augmenter()
    {
        var clip = Noise(2, 8);
        var viaStatic = new byte[clip.Pixels.Length];
        var parameters = ClipAugmentation.Augment(clip.Pixels, 2, clip.Height, clip.Width, seed: 12, clipKey: 5, viaStatic);
        using var augmenter = new ClipAugmenter(seed: 12);
        var expected = new byte[clip.Pixels.Length];
        Assert.Equal(parameters, augmenter.Augment(clip.Pixels, 2, clip.Height, clip.Width, 5, expected));
        Assert.Equal(expected, viaStatic);
    }
}
