using System.Text;

namespace Sta.MLNet.Server;

/// <summary>
/// Tells video containers apart by their first bytes, never by the name a client gave the file: an upload is stored and
/// decoded under the extension its content says, and anything that is no known container is refused before a worker
/// spends time on it.
/// </summary>
internal static class VideoSniffer
{
    /// <summary>Bytes needed to decide (MPEG transport streams are recognised by three sync bytes 188 apart).</summary>
    public const int HeaderLength = 512;

    /// <summary>The containers recognised, as named in error messages.</summary>
    public const string Known = "MP4/MOV, Matroska/WebM, AVI, MPEG-PS, MPEG-TS, FLV, ASF/WMV, Ogg";

    /// <summary>The extension to store a file starting with <paramref name="header"/> under, or null when it is no known video container.</summary>
    public static string? Extension(ReadOnlySpan<byte> header)
    {
        if (header.Length >= 12 && IsIsoBaseMedia(header)) return header.Slice(8, 4).SequenceEqual("qt  "u8) ? ".mov" : ".mp4";
        if (header.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return ".mkv";
        if (header.Length >= 12 && header.StartsWith("RIFF"u8) && header.Slice(8, 4).SequenceEqual("AVI "u8)) return ".avi";
        if (header.StartsWith("FLV\x01"u8)) return ".flv";
        if (header.StartsWith((ReadOnlySpan<byte>)[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11])) return ".wmv";
        if (header.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0x01, 0xBA])) return ".mpg";
        if (header.Length > 376 && header[0] == 0x47 && header[188] == 0x47 && header[376] == 0x47) return ".ts";
        if (header.StartsWith("OggS"u8)) return ".ogv";
        return null;
    }

    /// <summary>ISO base media files (MP4, QuickTime, 3GP) start with a box whose type is one of a few top-level kinds.</summary>
    private static bool IsIsoBaseMedia(ReadOnlySpan<byte> header)
    {
        var type = Encoding.ASCII.GetString(header.Slice(4, 4));
        return type is "ftyp" or "moov" or "mdat" or "wide" or "free" or "skip" or "pnot";
    }
}
