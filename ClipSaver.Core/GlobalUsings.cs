// Namespaces nearly every file of Core uses (EF Core and its entity builders, the entities, options and logging).
global using System.Text.Json;
global using ClipSaver.Core.Data;
global using Microsoft.EntityFrameworkCore;
global using Microsoft.EntityFrameworkCore.Metadata.Builders;
global using Microsoft.Extensions.Logging;
global using Microsoft.Extensions.Options;
