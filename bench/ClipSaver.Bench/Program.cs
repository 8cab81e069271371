using ClipSaver.Bench;

// Benchmarks print their figures; docs/benchmarks.md records a run and the command that produced it.
//   dotnet run -c Release --project bench/ClipSaver.Bench -- purge [--channel-clips N] [--channels N] [--clips-per-channel N] [--batch N]
return args switch
{
    ["purge", .. var rest] => await PurgeBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: purge [--channel-clips 1000000] [--channels 100] [--clips-per-channel 20000] [--batch 5000]");
    return 2;
}
