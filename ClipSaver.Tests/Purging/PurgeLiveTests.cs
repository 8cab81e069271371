namespace ClipSaver.Tests.Purging;

/// <summary>The live progress of a run and its time-left estimate, from the run's row and a fixed "now".</summary>
public class PurgeLiveTests
{
    private static readonly DateTimeOffset Started = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static PurgeRun Running(string step, long clipsDone, long clipsTotal, long stopMs = 2_000, DateOnly? olderThan = null) => new()
    {
        Scope = PurgeScope.Channel,
        Status = PurgeStatus.Running,
        Step = step,
        StartedAt = Started,
        OlderThan = olderThan,
        PreviewJson = JsonSerializer.Serialize(new PurgePreview(clipsTotal, clipsTotal, 0, 0, 0, 1), JsonSerializerOptions.Web),
        ProgressJson = $$$"""{"rows_deleted": {"clips": {{{clipsDone}}}}, "timings_ms": {"stopping_scans": {{{stopMs}}}}}""",
    };

    [Fact]
    public void The_time_left_comes_from_the_rate_of_the_deletes_so_far_without_the_wait_for_scans()
    {
        // 100 of 400 clips in the 10 seconds after the 2 seconds of stopping scans: 10 a second, 300 left.
        var live = PurgeLive.Of(Running("deleting_rows", 100, 400), Started.AddSeconds(12));

        Assert.Equal(30, live.EstimatedSecondsLeft);
        Assert.Equal((100L, 400L, 1, "deleting_rows"), (live.ClipsDone, live.ClipsTotal, live.StepsDone, live.Step));
        Assert.Equal(["stopping_scans", "deleting_rows", "deleting_files", "verifying"], live.Steps);
    }

    [Fact]
    public void Until_there_is_enough_to_go_on_there_is_no_estimate()
    {
        Assert.Null(PurgeLive.Of(Running("stopping_scans", 0, 400), Started.AddSeconds(30)).EstimatedSecondsLeft);
        Assert.Null(PurgeLive.Of(Running("deleting_rows", 0, 400), Started.AddSeconds(30)).EstimatedSecondsLeft);
        Assert.Null(PurgeLive.Of(Running("deleting_rows", 50, 400), Started.AddSeconds(3)).EstimatedSecondsLeft);
        Assert.Null(PurgeLive.Estimate(1, 10, PurgeLive.MinimumElapsed - TimeSpan.FromMilliseconds(1)));
        Assert.Equal(18, PurgeLive.Estimate(1, 10, PurgeLive.MinimumElapsed));
    }

    [Fact]
    public void Once_every_clip_is_gone_nothing_is_left_to_estimate_and_the_total_is_never_below_what_went()
    {
        var live = PurgeLive.Of(Running("deleting_files", 420, 400), Started.AddSeconds(40));

        Assert.Equal(0, live.EstimatedSecondsLeft);
        Assert.Equal((420L, 420L, 2), (live.ClipsDone, live.ClipsTotal, live.StepsDone));
    }

    [Fact]
    public void A_narrower_purge_has_its_own_steps()
    {
        var live = PurgeLive.Of(Running("deleting_clips", 5, 10, olderThan: new DateOnly(2026, 1, 1)), Started.AddSeconds(7));

        Assert.Equal(["stopping_scans", "deleting_clips", "verifying"], live.Steps);
        Assert.Equal(5, live.EstimatedSecondsLeft);
    }

    [Fact]
    public void A_finished_or_scheduled_run_has_no_estimate()
    {
        var done = Running("completed", 400, 400);
        done.Status = PurgeStatus.Completed;
        var scheduled = new PurgeRun { Scope = PurgeScope.AllChannels, Status = PurgeStatus.Scheduled, Step = "scheduled" };

        var finished = PurgeLive.Of(done, Started);
        Assert.Equal((4, (int?)null, (string?)null), (finished.StepsDone, finished.EstimatedSecondsLeft, finished.Step));
        Assert.Null(PurgeLive.Of(scheduled, Started).EstimatedSecondsLeft);
        Assert.Equal(0, PurgeLive.Of(scheduled, Started).StepsDone);
    }

    [Theory]
    [InlineData(3, "a few seconds")]
    [InlineData(42, "about 40 seconds")]
    [InlineData(75, "about a minute")]
    [InlineData(170, "about 3 minutes")]
    [InlineData(7_800, "about 2 h 10 min")]
    public void Time_left_reads_as_a_person_says_it(int seconds, string expected) => Assert.Equal(expected, Display.TimeLeft(seconds));
}
