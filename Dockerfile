# syntax=docker/dockerfile:1
# Build with the SDK image, run on the ASP.NET runtime image as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ClipSaver.sln ./
COPY ClipSaver.Core/ClipSaver.Core.csproj ClipSaver.Core/
COPY ClipSaver.Web/ClipSaver.Web.csproj ClipSaver.Web/
# The web app references the emulator for demo mode (never started in Production): see docs/decisions/013.
COPY ClipSaver.DiscordEmulator/ClipSaver.DiscordEmulator.csproj ClipSaver.DiscordEmulator/
RUN dotnet restore ClipSaver.Web/ClipSaver.Web.csproj
COPY ClipSaver.Core/ ClipSaver.Core/
COPY ClipSaver.DiscordEmulator/ ClipSaver.DiscordEmulator/
COPY ClipSaver.Web/ ClipSaver.Web/
RUN dotnet publish ClipSaver.Web/ClipSaver.Web.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl is only for the health check below; ffmpeg (with ffprobe) makes the clips' thumbnails (docs/decisions/020).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl ffmpeg \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data/clips && chown "$APP_UID" /data/clips
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS=8080 \
    ClipSaver__Storage__Root=/data/clips
USER $APP_UID
EXPOSE 8080
VOLUME ["/data/clips"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://localhost:8080/health/live || exit 1
# 'migrate' is a separate, explicit step (see docker-compose.yml): the app never migrates silently in Production.
ENTRYPOINT ["dotnet", "ClipSaver.Web.dll"]
