using ClipSaver.Web.Apis;
using ClipSaver.Web.Demo;
using ClipSaver.Web.Health;
using ClipSaver.Web.Jobs;

namespace ClipSaver.Web;

public static class WebSetup
{
    public static async Task<WebApplicationBuilder> AddClipSaverWebAsync(this WebApplicationBuilder builder)
    {
        // First: demo mode changes the Discord settings everything else reads.
        await builder.AddClipSaverDemoAsync();
        builder.Services.AddRazorPages().AddMvcOptions(o => o.Filters.Add(new Infrastructure.UnknownHandlerFilter()));
        builder.Services.AddAntiforgery(o =>
        {
            o.HeaderName = Htmx.AntiforgeryHeader;
            o.Cookie.Name = "clipsaver.af";
            // Secure on https. Not 'Always' as the session cookie: antiforgery refuses to issue an 'Always' token on a
            // plain-http request, which is what a proxied request looks like without forwarded headers.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        builder.AddClipSaverReverseProxy();
        builder.Services.AddProblemDetails();
        builder.Services.AddScoped<Pages.Guilds.GuildContext>();
        builder.AddClipSaverAuth();
        builder.AddClipSaverHangfire();
        builder.AddClipSaverApi();
        builder.Services.AddClipSaverHealthChecks();

        if (!builder.Environment.IsDevelopment())
        {
            builder.Services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        }

        return builder;
    }

    /// <summary>Outside Production the schema is migrated at start-up; Production uses the 'migrate' command.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        if (app.Configuration.GetValue("ClipSaver:Database:MigrateOnStartup", !app.Environment.IsProduction()))
        {
            await DatabaseMigrator.MigrateAsync(app.Services, app.Lifetime.ApplicationStopping);
        }
    }

    public static WebApplication UseClipSaverWeb(this WebApplication app)
    {
        app.UseClipSaverForwardedHeaders();
        app.UseMiddleware<RequestLoggingMiddleware>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (app.Environment.IsProduction())
        {
            app.UseExceptionHandler("/error");
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        else
        {
            app.UseDeveloperExceptionPage();
        }

        // Pages get a friendly page for 404 and 403; the API keeps its ProblemDetails bodies. Under /hangfire only a
        // page load (GET) gets it, so a non-operator reads the app's page; the dashboard's own calls stay as they are.
        app.UseWhen(
            c => !c.Request.Path.StartsWithSegments("/api")
                && (!c.Request.Path.StartsWithSegments("/hangfire") || HttpMethods.IsGet(c.Request.Method)),
            b => b.UseStatusCodePagesWithReExecute("/status/{0}"));

        // The API's bodiless errors (401, 405) get a ProblemDetails body; its exceptions, a bad request included, a
        // plain ProblemDetails without details in every environment (the developer exception page is for pages).
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), b =>
        {
            b.UseStatusCodePages();
            b.UseMiddleware<ApiErrorsMiddleware>();
        });

        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapClipSaverHealth();
        app.MapClipSaverHangfireDashboard();
        app.MapRazorPages();
        app.MapClipSaverApi();
        return app;
    }
}
