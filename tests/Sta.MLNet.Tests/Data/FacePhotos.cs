using Sta.MLNet.Tests.Fixtures;

namespace Sta.MLNet.Tests.Data;

/// <summary>The two real face photos Debian ships: skimage's astronaut (fixture copy) and OpenCV's messi5.jpg (opencv-doc).</summary>
internal static class FacePhotos
{
    public static string Astronaut => Path.Combine(FixturePaths.Fixture("preprocess"), "astronaut.png");

    public static string Messi
    {
        get
        {
            const string path = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg";
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path} is missing: install the Debian package opencv-doc (apt-get install opencv-doc).", path);
            return path;
        }
    }
}
