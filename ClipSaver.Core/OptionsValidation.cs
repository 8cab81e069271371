namespace ClipSaver.Core;

public static class OptionsValidation
{
    /// <summary>
    /// Checks the section at start-up with its DataAnnotations attributes and, when they pass, its
    /// <see cref="IValidatableObject"/> rules. Each failure names its configuration key
    /// (<c>ClipSaver:Jobs:WorkerCount: …</c>), so an operator knows what to fix without reading the code.
    /// </summary>
    public static OptionsBuilder<T> ValidateSection<T>(this OptionsBuilder<T> builder, string section)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(builder.Name, section));
        return builder.ValidateOnStart();
    }

    private sealed class SectionValidator<T>(string? optionsName, string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            if (optionsName is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(r =>
            {
                var keys = r.MemberNames.Any() ? string.Join(", ", r.MemberNames.Select(m => $"{section}:{m}")) : section;
                return $"{keys}: {r.ErrorMessage}";
            }));
        }
    }
}
