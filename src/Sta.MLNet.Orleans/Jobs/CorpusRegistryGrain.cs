namespace Sta.MLNet.Orleans;

[GenerateSerializer]
internal sealed class RegistryState
{
    /// <summary>Every job ever submitted, in submission order.</summary>
    [Id(0)] public List<string> Jobs { get; set; } = [];

    [Id(1)] public HashSet<string> Active { get; set; } = [];
}

/// <summary>
/// Which jobs exist and which still hand out work. Workers ask it only when they run out of work, so it is not on the
/// per-video path; jobs add themselves again whenever they activate unfinished, so a lost write here heals itself.
/// </summary>
internal sealed class CorpusRegistryGrain(
    [PersistentState("registry", CorpusStorage.ProviderName)] IPersistentState<RegistryState> state) : Grain, ICorpusRegistryGrain
{
    public async Task AddAsync(string jobId)
    {
        var changed = false;
        if (!state.State.Jobs.Contains(jobId))
        {
            state.State.Jobs.Add(jobId);
            changed = true;
        }
        changed |= state.State.Active.Add(jobId);
        if (changed) await state.WriteStateAsync();
    }

    public async Task FinishedAsync(string jobId)
    {
        if (state.State.Active.Remove(jobId)) await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetActiveAsync() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Jobs.Where(state.State.Active.Contains).ToList());

    public Task<IReadOnlyList<string>> GetAllAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.Jobs.ToList());
}
