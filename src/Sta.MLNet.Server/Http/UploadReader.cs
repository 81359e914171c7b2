using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Sta.MLNet.Server.Jobs;

namespace Sta.MLNet.Server.Http;

/// <summary>
/// Reads the <c>video</c> field of a multipart upload straight to a file in the upload folder, never into memory,
/// counting bytes against the size limit and looking at the first bytes to tell what container the file is.
/// </summary>
internal static class UploadReader
{
    /// <summary>What came of an upload: a stored file (with the client's name for it), or the problem to answer.</summary>
    public sealed record Upload(string? Path, string FileName, int Status, string? Problem);

    /// <summary>Multipart headers, boundaries and small fields around the file, allowed beyond the file size limit.</summary>
    public const long EnvelopeBytes = 64 * 1024;

    public static async Task<Upload> ReadAsync(HttpRequest request, UploadFolder folder, string jobId, long maxBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return Refused(StatusCodes.Status415UnsupportedMediaType, "Send the video as multipart/form-data, in a field named 'video'.");
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
            return Refused(StatusCodes.Status400BadRequest, "The multipart/form-data body has no usable boundary.");
        try
        {
            return await ReadSectionsAsync(new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 }, folder, jobId, maxBytes, cancellationToken);
        }
        catch (BadHttpRequestException error)
        {
            // The server's own limits (e.g. the body size): the status it chose.
            return Refused(error.StatusCode, error.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"The video is larger than this service's limit of {Megabytes(maxBytes)}."
                : "The request body could not be read.");
        }
        catch (Exception error) when (error is IOException or InvalidDataException && !cancellationToken.IsCancellationRequested)
        {
            return Refused(StatusCodes.Status400BadRequest, "The multipart/form-data body is malformed (missing boundary or truncated).");
        }
    }

    private static async Task<Upload> ReadSectionsAsync(MultipartReader reader, UploadFolder folder, string jobId, long maxBytes, CancellationToken cancellationToken)
    {
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.Name.Equals("video", StringComparison.Ordinal)
                || !(disposition.FileName.HasValue || disposition.FileNameStar.HasValue))
            {
                // Other fields are read past and ignored.
                await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                continue;
            }
            var fileName = CleanName(disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : disposition.FileName.Value);
            return await StoreAsync(section.Body, folder, jobId, fileName, maxBytes, cancellationToken);
        }
        return Refused(StatusCodes.Status400BadRequest, "The form has no file in a field named 'video'.");
    }

    private static async Task<Upload> StoreAsync(Stream body, UploadFolder folder, string jobId, string fileName, long maxBytes, CancellationToken cancellationToken)
    {
        var partial = folder.FileFor(jobId, ".upload");
        var keep = false;
        try
        {
            var header = new byte[VideoSniffer.HeaderLength];
            var headerLength = 0;
            long total = 0;
            var buffer = new byte[81920];
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, useAsync: true))
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                        return Refused(StatusCodes.Status413PayloadTooLarge, $"The video is larger than this service's limit of {Megabytes(maxBytes)}.", fileName);
                    if (headerLength < header.Length)
                    {
                        var take = Math.Min(read, header.Length - headerLength);
                        Array.Copy(buffer, 0, header, headerLength, take);
                        headerLength += take;
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            if (total == 0) return Refused(StatusCodes.Status400BadRequest, "The uploaded file is empty.", fileName);
            if (VideoSniffer.Extension(header.AsSpan(0, headerLength)) is not { } extension)
                return Refused(StatusCodes.Status415UnsupportedMediaType,
                    $"The file is not a video container this service reads ({VideoSniffer.Known}); it is identified by its content, not its name.", fileName);
            var path = folder.FileFor(jobId, extension);
            File.Move(partial, path);
            keep = true;
            return new Upload(path, fileName, StatusCodes.Status202Accepted, null);
        }
        finally
        {
            if (!keep) TryDelete(partial);
        }
    }

    private static Upload Refused(int status, string problem, string fileName = "") => new(null, fileName, status, problem);

    private static string Megabytes(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024.0):0.#} MiB" : $"{bytes} bytes";

    /// <summary>The file's own name without any folder, control characters or excess length; "video" when nothing is left.</summary>
    internal static string CleanName(string? name)
    {
        var leaf = (name ?? "").Replace('\\', '/');
        leaf = leaf[(leaf.LastIndexOf('/') + 1)..];
        var clean = new string(leaf.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length > 200) clean = clean[..200];
        return clean.Length == 0 ? "video" : clean;
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
