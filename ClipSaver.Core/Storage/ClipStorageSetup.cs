using Amazon.Runtime;
using Amazon.S3;

namespace ClipSaver.Core.Storage;

public static class ClipStorageSetup
{
    /// <summary>
    /// The storage named by <c>ClipSaver:Storage:Kind</c>: the local folder, or an S3-compatible bucket. Chosen when
    /// first resolved (after the options were checked at start), so tests and demo mode can set the section late.
    /// </summary>
    public static IServiceCollection AddClipStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateSection(StorageOptions.Section);
        services.AddSingleton<IClipStorage>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>();
            return options.Value.IsS3
                ? new S3ClipStorage(CreateClient(options.Value.S3), options.Value.S3, sp.GetRequiredService<ILogger<S3ClipStorage>>())
                : new LocalFolderClipStorage(options);
        });
        return services;
    }

    /// <summary>A client for the configured store. Credentials stay inside the SDK's credentials object.</summary>
    public static AmazonS3Client CreateClient(S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // Checksums only where S3 demands them (DeleteObjects): trailing checksums and aws-chunked bodies are
            // not understood by every S3-compatible store. Integrity is our SHA-256, checked by the move command.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return options.HasStaticCredentials
            ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config)
            : new AmazonS3Client(config);
    }
}
