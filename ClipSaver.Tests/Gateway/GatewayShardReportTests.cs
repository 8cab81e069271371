using System.Data.Common;
using ClipSaver.Core.Database;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ClipSaver.Tests.Gateway;

/// <summary>
/// A holder's report and an identify write the same row from different connections. The identify's time must survive a
/// report that began before it: the next identify of the bucket is spaced from it.
/// </summary>
public sealed class GatewayShardReportTests : DatabaseTestBase
{
    private static readonly DateTimeOffset Earlier = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Identified = Earlier.AddSeconds(5.25);

    [Fact]
    public async Task An_identify_recorded_while_a_report_is_written_keeps_its_time()
    {
        await using (var setup = Db.CreateContext())
        {
            setup.GatewayShards.Add(new GatewayShard { ShardId = 1, ShardCount = 3, State = "connecting", IdentifiedAt = Earlier, UpdatedAt = Earlier });
            await setup.SaveChangesAsync();
        }

        // Right before the report's UPDATE runs, the identify's own write lands on another connection.
        var identify = new IdentifyBeforeUpdate(Db.ConnectionString, Identified);
        var options = new DbContextOptionsBuilder<ClipSaverDbContext>();
        DatabaseSetup.ConfigureNpgsql(options, Db.ConnectionString);
        options.AddInterceptors(identify);
        await using (var db = new ClipSaverDbContext(options.Options))
        {
            var state = new ShardState(1, 3);
            await GatewayShardRows.ReportAsync(db, [state.ToRow("instance-a", Earlier.AddSeconds(6))], CancellationToken.None);
        }

        Assert.True(identify.Ran);
        await using var check = Db.CreateContext();
        var row = await check.GatewayShards.SingleAsync(s => s.ShardId == 1);
        Assert.Equal(Identified, row.IdentifiedAt);
        Assert.Equal("instance-a", row.InstanceId);
        Assert.Equal(Earlier.AddSeconds(6), row.UpdatedAt);
    }

    [Fact]
    public async Task A_report_creates_the_row_when_the_shard_has_none_and_leaves_the_identify_time_empty()
    {
        await using (var db = Db.CreateContext())
        {
            var state = new ShardState(2, 3);
            await GatewayShardRows.ReportAsync(db, [state.ToRow("instance-b", Earlier)], CancellationToken.None);
        }

        await using var check = Db.CreateContext();
        var row = await check.GatewayShards.SingleAsync(s => s.ShardId == 2);
        Assert.Equal(("instance-b", 3, Earlier), (row.InstanceId, row.ShardCount, row.UpdatedAt));
        Assert.Null(row.IdentifiedAt);
    }

    private sealed class IdentifyBeforeUpdate(string connectionString, DateTimeOffset at) : DbCommandInterceptor
    {
        public bool Ran { get; private set; }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await IdentifyAsync(command, cancellationToken);
            return result;
        }

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            await IdentifyAsync(command, cancellationToken);
            return result;
        }

        private async Task IdentifyAsync(DbCommand command, CancellationToken cancellationToken)
        {
            if (Ran || !command.CommandText.TrimStart().StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            Ran = true;
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var write = new NpgsqlCommand("UPDATE gateway_shards SET identified_at = @at", connection);
            write.Parameters.AddWithValue("at", at);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
