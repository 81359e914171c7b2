using System.Reflection;
using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>
/// The ML.NET releases the persistence bridge (<see cref="MLNetInternals"/>) is verified on, and the check that the one
/// loaded in this process is among them. The packages admit a version range (a NuGet range cannot list release lines),
/// and the bridge's own check only sees members that are missing, not members that changed meaning; so saving and
/// loading refuse an ML.NET outside the verified lines with a message that names both, instead of failing somewhere
/// inside a model file. ML.NET keeps every assembly at version 1.0.0.0, so the release comes from the informational
/// version of Microsoft.ML.Core (e.g. "6.0.0+sha"), the assembly the bridge reflects on.
/// </summary>
internal static class MLNetVersionSupport
{
    /// <summary>
    /// Release lines (major.minor) on which every bridged member was compared with the previous line and the whole test
    /// suite and build/consumer-test.sh passed. A new line is added here only after that.
    /// </summary>
    public static IReadOnlyList<Version> VerifiedLines { get; } = [new(5, 0), new(6, 0)];

    /// <summary>"5.0.x and 6.0.x".</summary>
    public static string VerifiedText { get; } = string.Join(" and ", VerifiedLines.Select(v => $"{v.Major}.{v.Minor}.x"));

    /// <summary>The informational version of the Microsoft.ML.Core loaded here, without its source revision (e.g. "6.0.0").</summary>
    public static string? LoadedVersionText { get; } = WithoutRevision(
        typeof(ModelSaveContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    private static readonly Lazy<string?> LoadedProblem =
        new(() => Problem(LoadedVersionText, typeof(ModelSaveContext).Assembly.Location), LazyThreadSafetyMode.PublicationOnly);

    /// <summary>Throws <see cref="NotSupportedException"/> unless the loaded ML.NET is of a verified line.</summary>
    public static void RequireVerified()
    {
        if (LoadedProblem.Value is { } problem) throw new NotSupportedException(problem);
    }

    /// <summary>
    /// Null when <paramref name="versionText"/> (an ML.NET release such as "5.0.1" or "6.0.0+sha") is of a verified
    /// line, else the error message. <paramref name="location"/> says which file was loaded (it helps when an app
    /// resolved another version than the one it asked for).
    /// </summary>
    internal static string? Problem(string? versionText, string? location)
    {
        var version = Parse(versionText);
        if (version is not null && VerifiedLines.Any(line => line.Major == version.Major && line.Minor == version.Minor)) return null;
        var loaded = string.IsNullOrWhiteSpace(versionText) ? "of unknown version" : WithoutRevision(versionText);
        var where = string.IsNullOrEmpty(location) ? "" : $" ({location})";
        return
            $"Sta.MLNet {OwnVersion} saves and loads models through ML.NET internals verified on Microsoft.ML {VerifiedText}, " +
            $"but this process loaded Microsoft.ML {loaded}{where}. Reference a verified release, e.g. " +
            "<PackageReference Include=\"Microsoft.ML\" Version=\"6.0.0\" />, or a Sta.MLNet release verified on yours.";
    }

    /// <summary>Major.minor.patch of an ML.NET release text; a pre-release label or source revision is ignored.</summary>
    internal static Version? Parse(string? versionText)
    {
        var core = WithoutRevision(versionText)?.Split('-', 2)[0];
        return Version.TryParse(core, out var version) ? version : null;
    }

    private static string? WithoutRevision(string? versionText) => versionText?.Split('+', 2)[0].Trim();

    private static string OwnVersion =>
        WithoutRevision(typeof(MLNetVersionSupport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion)
        ?? "(unknown version)";
}
