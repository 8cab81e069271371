// Namespaces nearly every test class uses: the test infrastructure, the emulator, the database.
global using System.Net;
global using System.Text.Json;
global using ClipSaver.Core.Data;
global using ClipSaver.DiscordEmulator;
global using ClipSaver.Tests.Infrastructure;
global using Microsoft.EntityFrameworkCore;
global using Microsoft.Extensions.DependencyInjection;
