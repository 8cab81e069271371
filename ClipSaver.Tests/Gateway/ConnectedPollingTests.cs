namespace ClipSaver.Tests.Gateway;

/// <summary>Polling is the safety net: a guild whose shard is connected has its archived channels scanned only every few hours.</summary>
public sealed class ConnectedPollingTests : AppTestBase
{
    protected override WorldShape World => WorldShape.Small;

    [Theory]
    [InlineData(true, 1, false)]
    [InlineData(true, 7, true)]
    [InlineData(false, 1, true)]
    public async Task Incremental_scans_skip_recently_scanned_channels_of_connected_shards_only(bool connected, int hoursSinceScan, bool scanned)
    {
        await ReconcileAsync();
        var now = DateTimeOffset.UtcNow;
        await using (var db = Db.CreateContext())
        {
            // The channel and the threads under it (archived with it) were all scanned that long ago.
            var channel = await db.Channels.FirstAsync(c => c.Type == 0);
            channel.IsReading = true;
            await db.Channels.ExecuteUpdateAsync(s => s.SetProperty(c => c.LastScanAt, now.AddHours(-hoursSinceScan)));
            db.GatewayShards.Add(new GatewayShard { ShardId = 0, ShardCount = 1, State = connected ? "connected" : "reconnecting", UpdatedAt = now });
            await db.SaveChangesAsync();
        }

        await RunAsync<IncrementalScansJob>(j => j.RunAsync(CancellationToken.None));
        await using var check = Db.CreateContext();
        Assert.Equal(scanned, await check.ScanRuns.AnyAsync());
    }
}
