namespace ClipSaver.Tests.Guilds;

public sealed class InstallIntentsTests() : DatabaseTestBase(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero))
{
    private const long Alice = 200_000_000_000_000_001;
    private const long Bob = 200_000_000_000_000_002;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await AddUserAsync("alice", Alice);
        await AddUserAsync("bob", Bob);
    }

    private InstallIntents Intents(ClipSaverDbContext context) =>
        new(context, Options.Create(new InstallOptions { IntentLifetime = TimeSpan.FromMinutes(10) }), Clock);

    [Fact]
    public async Task A_state_is_accepted_once_for_its_user_and_gives_back_the_guild_hint()
    {
        await using var context = Db.CreateContext();
        var state = await Intents(context).CreateAsync(Alice, 42, CancellationToken.None);

        var first = await Intents(context).ConsumeAsync(state, Alice, CancellationToken.None);
        var replay = await Intents(context).ConsumeAsync(state, Alice, CancellationToken.None);

        Assert.Equal((InstallIntentOutcome.Accepted, (long?)42), first);
        Assert.Equal(InstallIntentOutcome.AlreadyUsed, replay.Outcome);
    }

    [Fact]
    public async Task A_state_past_its_expiry_is_refused()
    {
        await using var context = Db.CreateContext();
        var state = await Intents(context).CreateAsync(Alice, null, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        Assert.Equal(InstallIntentOutcome.Expired, (await Intents(context).ConsumeAsync(state, Alice, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Another_users_state_is_refused_and_stays_usable_by_its_owner()
    {
        await using var context = Db.CreateContext();
        var state = await Intents(context).CreateAsync(Alice, null, CancellationToken.None);

        Assert.Equal(InstallIntentOutcome.WrongUser, (await Intents(context).ConsumeAsync(state, Bob, CancellationToken.None)).Outcome);
        Assert.Equal(InstallIntentOutcome.Accepted, (await Intents(context).ConsumeAsync(state, Alice, CancellationToken.None)).Outcome);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-state")]
    public async Task A_missing_or_unknown_state_is_refused(string? state)
    {
        await using var context = Db.CreateContext();

        Assert.Equal(InstallIntentOutcome.Unknown, (await Intents(context).ConsumeAsync(state, Alice, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Two_callbacks_with_the_same_state_at_once_accept_exactly_one()
    {
        await using (var context = Db.CreateContext())
        {
            var state = await Intents(context).CreateAsync(Alice, 7, CancellationToken.None);
            var attempts = Enumerable.Range(0, 10).Select(async _ =>
            {
                await using var c = Db.CreateContext();
                return (await Intents(c).ConsumeAsync(state, Alice, CancellationToken.None)).Outcome;
            });

            var outcomes = await Task.WhenAll(attempts);

            Assert.Equal(1, outcomes.Count(o => o == InstallIntentOutcome.Accepted));
            Assert.Equal(9, outcomes.Count(o => o == InstallIntentOutcome.AlreadyUsed));
        }
    }
}
