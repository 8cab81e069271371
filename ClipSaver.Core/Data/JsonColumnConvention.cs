using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace ClipSaver.Core.Data;

/// <summary>
/// A text property named <c>…Json</c> holds a JSON document: it is a <c>jsonb</c> column named after the property
/// without the suffix (<c>PreviewJson</c> → <c>preview</c>). A configuration that names the column itself wins.
/// </summary>
public sealed class JsonColumnConvention : IModelFinalizingConvention
{
    private const string Suffix = "Json";

    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        foreach (var property in modelBuilder.Metadata.GetEntityTypes().SelectMany(t => t.GetDeclaredProperties()))
        {
            if (property.ClrType == typeof(string) && property.Name.Length > Suffix.Length && property.Name.EndsWith(Suffix, StringComparison.Ordinal))
            {
                property.Builder.HasColumnType("jsonb");
                property.Builder.HasColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name[..^Suffix.Length]));
            }
        }
    }
}
