using Sta.MLNet;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Data;

public sealed class NpyFileTests
{
    /// <summary>Files written by NumPy 1.24 (tests/reference/npy_reference.py), base64-encoded.</summary>
    private static readonly Dictionary<string, string> NumPyFiles = new()
    {
        ["int32_c"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr9/////v////////8AAAAAAQAAAP///38=",
        ["int64_c"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAVNwD+f///wA46Ff7////ABz0q/3///8AAAAAAAAAAADkC1QCAAAAAMgXqAQAAAA=",
        ["float32_c"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA/AACgv4Ko+zfK8klxAAAAgAAA4EA=",
        ["float64_c"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqamZmZmZm5Py8wt7OnybqBAAAAAAAACEAAAAAAAAAQQAAAAAAAABRAAAAAAAAAGEA=",
        ["int32_big_endian"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr////9/////v////8AAAAAAAAAAX////8=",
        ["float64_big_endian"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/uZmZmZmZmoG6yaeztzAvQAgAAAAAAABAEAAAAAAAAEAUAAAAAAAAQBgAAAAAAAA=",
        ["float64_fortran"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAhAAAAAAAAA8D8AAAAAAAAQQAAAAAAAAABAAAAAAAAAFEA=",
        ["int32_fortran_3d"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMywgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAABgAAAAIAAAAIAAAABAAAAAoAAAABAAAABwAAAAMAAAAJAAAABQAAAAsAAAA=",
        ["int64_1d"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoFAAAAAAAAAAYAAAAAAAAABwAAAAAAAAAIAAAAAAAAAA==",
        ["float32_scalar"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAACBA",
        ["int32_c_version2"] = "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr9/////v////////8AAAAAAQAAAP///38=",
        ["uint8_unsupported"] = "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAQID",
    };

    private static byte[] NumPyFile(string name) => Convert.FromBase64String(NumPyFiles[name]);

    private static NpyArray ParseNumPy(string name) => NpyFile.Parse(NumPyFile(name), name);

    [Fact]
    public void Reads_every_supported_element_type_written_by_numpy()
    {
        var int32 = ParseNumPy("int32_c");
        Assert.Equal(NpyElementType.Int32, int32.ElementType);
        Assert.Equal([2, 3], int32.Shape);
        Assert.Equal([-3, -2, -1, 0, 1, int.MaxValue], int32.Values);

        var int64 = ParseNumPy("int64_c");
        Assert.Equal(NpyElementType.Int64, int64.ElementType);
        Assert.Equal([-3e10, -2e10, -1e10, 0, 1e10, 2e10], int64.Values);

        var float32 = ParseNumPy("float32_c");
        Assert.Equal(NpyElementType.Float32, float32.ElementType);
        Assert.Equal([0.5, -1.25, (double)3e-5f, (double)1e30f, -0.0, 7.0], float32.Values);

        var float64 = ParseNumPy("float64_c");
        Assert.Equal(NpyElementType.Float64, float64.ElementType);
        Assert.Equal([0.1, -2.5e-300, 3, 4, 5, 6], float64.Values);
        Assert.Equal(-2.5e-300, float64[0, 1]);
        Assert.Equal(6.0, float64[1, 2]);
    }

    [Fact]
    public void Reads_big_endian_fortran_order_version_2_and_unusual_shapes()
    {
        Assert.Equal(ParseNumPy("int32_c").Values, ParseNumPy("int32_big_endian").Values);
        Assert.Equal(ParseNumPy("float64_c").Values, ParseNumPy("float64_big_endian").Values);
        Assert.Equal(ParseNumPy("int32_c").Values, ParseNumPy("int32_c_version2").Values);

        var fortran = ParseNumPy("float64_fortran");
        Assert.Equal([2, 3], fortran.Shape);
        Assert.Equal([0, 1, 2, 3, 4, 5], fortran.Values);
        var fortran3d = ParseNumPy("int32_fortran_3d");
        Assert.Equal([2, 3, 2], fortran3d.Shape);
        Assert.Equal(Enumerable.Range(0, 12).Select(v => (double)v), fortran3d.Values);

        var vector = ParseNumPy("int64_1d");
        Assert.Equal([4], vector.Shape);
        Assert.Equal([5, 6, 7, 8], vector.Values);
        var scalar = ParseNumPy("float32_scalar");
        Assert.Empty(scalar.Shape);
        Assert.Equal([2.5], scalar.Values);
    }

    [Theory]
    [InlineData("int32_c", (int)NpyElementType.Int32)]
    [InlineData("int64_c", (int)NpyElementType.Int64)]
    [InlineData("float32_c", (int)NpyElementType.Float32)]
    [InlineData("float64_c", (int)NpyElementType.Float64)]
    [InlineData("int64_1d", (int)NpyElementType.Int64)]
    [InlineData("float32_scalar", (int)NpyElementType.Float32)]
    public void Writes_byte_identical_files_to_numpy(string name, int elementType)
    {
        // The theory takes the value as int: the enum is internal and a public test method cannot expose it.
        var type = (NpyElementType)elementType;
        var array = ParseNumPy(name);
        Assert.Equal(type, array.ElementType);
        var path = Path.Combine(TestVideos.NewScratchFolder("npy"), name + ".npy");
        NpyFile.Write(path, array);
        Assert.Equal(NumPyFile(name), File.ReadAllBytes(path));
        Assert.Equal(array.Values, NpyFile.Read(path).Values);
    }

    [Fact]
    public void Malformed_files_are_rejected_with_their_name()
    {
        var good = NumPyFile("int32_c");
        AssertRejected([], "empty", "magic");
        AssertRejected("PK\u0003\u0004 not numpy at all"u8.ToArray(), "zip", "magic");
        AssertRejected(good[..(good.Length - 4)], "truncated-data", "truncated");
        AssertRejected([.. good, 0, 0, 0, 0], "trailing-data", "holds 28");
        AssertRejected(good[..40], "truncated-header", "header");
        AssertRejected(NumPyFile("uint8_unsupported"), "uint8", "Unsupported dtype '|u1'");
        var version9 = (byte[])good.Clone();
        version9[6] = 9;
        AssertRejected(version9, "version9", "version 9.0");
        var noShape = (byte[])good.Clone();
        System.Text.Encoding.ASCII.GetBytes("'shapf'").CopyTo(noShape, 10 + good.AsSpan(10).IndexOf("'shape'"u8));
        AssertRejected(noShape, "no-shape", "lacks");
    }

    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        var path = Path.Combine(TestVideos.NewScratchFolder("npy"), "absent.npy");
        var error = Assert.Throws<DatasetFileMissingException>(() => NpyFile.Read(path));
        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Integer_arrays_refuse_values_their_type_cannot_hold()
    {
        var path = Path.Combine(TestVideos.NewScratchFolder("npy"), "bad.npy");
        Assert.Throws<ArgumentException>(() => NpyFile.Write(path, new NpyArray(NpyElementType.Int32, [1], [0.5])));
        Assert.Throws<ArgumentException>(() => NpyFile.Write(path, new NpyArray(NpyElementType.Int32, [1], [3e9])));
        Assert.Throws<ArgumentException>(() => new NpyArray(NpyElementType.Int32, [2, 2], [1, 2, 3]));
    }

    private static void AssertRejected(byte[] bytes, string name, string messagePart)
    {
        var error = Assert.Throws<NpyFormatException>(() => NpyFile.Parse(bytes, name));
        Assert.Equal(name, error.Path);
        Assert.Contains(messagePart, error.Message);
    }
}
