namespace Sta.MLNet.Orleans.Tests;

public sealed class CorpusStoreTests
{
    [Theory]
    [InlineData("localhost", true, "sta-corpus", "localhost")]
    [InlineData(" LOCALHOST ", true, "sta-corpus", "localhost")]
    [InlineData("redis://127.0.0.1:6390", false, "sta-corpus", "redis://127.0.0.1:6390")]
    [InlineData("redis://cache.internal", false, "sta-corpus", "redis://cache.internal:6379")]
    [InlineData("redis://:s3cret@cache.internal:7000/2?cluster=gpu-farm", false, "gpu-farm", "redis://cache.internal:7000/2?cluster=gpu-farm")]
    [InlineData("redis://scorer:s3cret@10.0.0.5", false, "sta-corpus", "redis://10.0.0.5:6379")]
    public void A_store_reads_as_documented_and_shows_no_password(string text, bool local, string cluster, string shown)
    {
        var store = CorpusStore.Parse(text);

        Assert.Equal(local, store.IsLocal);
        Assert.Equal(cluster, store.ClusterId);
        Assert.Equal(shown, store.ToString());
        Assert.DoesNotContain("s3cret", store.ToString());
    }

    [Fact]
    public void Redis_settings_carry_the_endpoint_credentials_and_database()
    {
        var redis = CorpusStore.Parse("redis://scorer:p%40ss@cache.internal:7000/3").Redis!;

        Assert.Equal("cache.internal:7000", Assert.Single(redis.EndPoints).ToString()!.Replace("Unspecified/", "", StringComparison.Ordinal));
        Assert.Equal(("scorer", "p@ss", 3), (redis.User, redis.Password, redis.DefaultDatabase));
    }

    [Theory]
    [InlineData("", "is not a store")]
    [InlineData("127.0.0.1:6379", "is not a store")]
    [InlineData("postgres://db/sta", "is not a store")]
    [InlineData("redis://", "is not a store")]
    [InlineData("redis://host:6379/zero", "database by number")]
    [InlineData("redis://host:6379?pool=3", "cluster=NAME")]
    public void Anything_else_is_refused_with_what_a_store_looks_like(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => CorpusStore.Parse(text));

        Assert.Contains(message, error.Message);
    }
}
