namespace Sta.MLNet;

/// <summary>
/// The versioned identity of one stage's persistence format, written into the stage's model stream header (the same
/// fields as ML.NET's internal <c>VersionInfo</c>). Bump <see cref="VerWrittenCur"/> on every format change and keep
/// one comment per version next to the stage's definition, as ML.NET's <c>ImageResizingTransformer</c> does.
/// </summary>
/// <param name="ModelSignature">Exactly 8 ASCII characters identifying the stream type (e.g. <c>"STACLIPN"</c>).</param>
/// <param name="VerWrittenCur">Format version this code writes.</param>
/// <param name="VerReadableCur">Oldest code version that can read what this code writes.</param>
/// <param name="VerWeCanReadBack">Oldest format version this code can still read.</param>
/// <param name="LoaderSignature">
/// Name under which the loader is registered in ML.NET's ComponentCatalog (at most 24 ASCII characters; unique among
/// all loadable classes of every referenced ML.NET assembly, so prefix it, e.g. <c>"StaClipNormalizer"</c>).
/// </param>
internal sealed record StageVersionInfo(
    string ModelSignature, uint VerWrittenCur, uint VerReadableCur, uint VerWeCanReadBack, string LoaderSignature)
{
    /// <summary>Checks the field constraints that ML.NET enforces only deep inside a save.</summary>
    public void Validate()
    {
        if (ModelSignature is null || ModelSignature.Length != 8 || ModelSignature.Any(c => c > 0x7F))
            throw new ArgumentException($"ModelSignature '{ModelSignature}' must be exactly 8 ASCII characters.", nameof(ModelSignature));
        if (string.IsNullOrEmpty(LoaderSignature) || LoaderSignature.Length > 24 || LoaderSignature.Any(c => c > 0x7F))
            throw new ArgumentException($"LoaderSignature '{LoaderSignature}' must be 1 to 24 ASCII characters.", nameof(LoaderSignature));
        if (VerReadableCur > VerWrittenCur || VerWeCanReadBack > VerWrittenCur)
            throw new ArgumentException(
                $"Versions of '{LoaderSignature}' are inconsistent: VerReadableCur ({VerReadableCur:X8}) and VerWeCanReadBack " +
                $"({VerWeCanReadBack:X8}) must not exceed VerWrittenCur ({VerWrittenCur:X8}).");
    }
}
