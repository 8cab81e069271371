using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ClipSaver.Core.Data;

/// <summary>Stores an enum as snake_case text, e.g. <c>PurgeScope.AllChannels</c> as <c>all_channels</c>.</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    v => SnakeCaseNames.ToText(v),
    v => SnakeCaseNames.Parse<TEnum>(v))
    where TEnum : struct, Enum;

public static class SnakeCaseNames
{
    public static string ToText<TEnum>(TEnum value) where TEnum : struct, Enum => Names<TEnum>.ToText[value];

    public static TEnum Parse<TEnum>(string text) where TEnum : struct, Enum => Names<TEnum>.FromText[text];

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum =>
        Names<TEnum>.FromText.TryGetValue(text ?? "", out value);

    private static class Names<TEnum> where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> ToText =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

        public static readonly FrozenDictionary<string, TEnum> FromText =
            ToText.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);
    }
}
