using ClipSaver.Bench;

// Benchmarks print their figures; docs/benchmarks.md records a run and the command that produced it.
//   dotnet run -c Release --project bench/ClipSaver.Bench -- purge [--channel-clips N] [--channels N] [--clips-per-channel N] [--batch N]
//   dotnet run -c Release --project bench/ClipSaver.Bench -- scan [--channels 100,1000] [--messages 10000]
//   dotnet run -c Release --project bench/ClipSaver.Bench -- gateway [--channels 1000] [--messages 10000] [--rate 100] [--drop]
//   dotnet run -c Release --project bench/ClipSaver.Bench -- cliplist [--channels 100] [--clips-per-channel 10000] [--rounds 50] [--pages 10]
//   dotnet run -c Release --project bench/ClipSaver.Bench -- export [--clips 10000] [--clip-bytes 102400] [--repeat 3] [--storage local|s3]
//   dotnet run -c Release --project bench/ClipSaver.Bench -- scaleout [--instances 1,3] [--channels 100] [--messages 2000] [--video-share 0.1] [--kill] [--keep]
//   dotnet run -c Release --project bench/ClipSaver.Bench -- thumbnails [--repeat 20] [--large 1920x1080:30]
//   dotnet run -c Release --project bench/ClipSaver.Bench -- killloop [--purge-rounds 20] [--scan-rounds 10] [--clips 200000] [--database-kill-every 5] [--seed 1]
return args switch
{
    ["purge", .. var rest] => await PurgeBenchmark.RunAsync(rest),
    ["scan", .. var rest] => await ScanBenchmark.RunAsync(rest),
    ["killloop", .. var rest] => await KillLoop.RunAsync(rest),
    ["gateway", .. var rest] => await GatewayBenchmark.RunAsync(rest),
    ["cliplist", .. var rest] => await ClipListBenchmark.RunAsync(rest),
    ["export", .. var rest] => await ExportBenchmark.RunAsync(rest),
    ["scaleout", .. var rest] => await ScaleOutBenchmark.RunAsync(rest),
    ["thumbnails", .. var rest] => await ThumbnailBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: purge [--channel-clips 1000000] [--channels 100] [--clips-per-channel 20000] [--batch 10000]");
    Console.Error.WriteLine("       scan [--channels 100,1000] [--messages 10000]");
    Console.Error.WriteLine("       gateway [--channels 1000] [--messages 10000] [--rate 100] [--drop]");
    Console.Error.WriteLine("       cliplist [--channels 100] [--clips-per-channel 10000] [--rounds 50] [--pages 10]");
    Console.Error.WriteLine("       export [--clips 10000] [--clip-bytes 102400] [--repeat 3] [--storage local|s3]");
    Console.Error.WriteLine("       scaleout [--instances 1,3] [--channels 100] [--messages 2000] [--video-share 0.1] [--kill] [--keep]");
    Console.Error.WriteLine("       thumbnails [--repeat 20] [--large 1920x1080:30]");
    Console.Error.WriteLine("       killloop [--purge-rounds 20] [--scan-rounds 10] [--clips 200000] [--database-kill-every 5] [--seed 1]");
    return 2;
}
