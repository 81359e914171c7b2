using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Sta.MLNet.Cli.Tests;
using Xunit.Abstractions;

namespace Sta.MLNet.Server.Tests;

/// <summary>
/// The web page in a real browser: Debian's chromium, headless, driven by its chromedriver (nothing is downloaded),
/// against the service on a free loopback port. Saves screenshots under artifacts/browser/ in the repository.
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    private IHost? _host;
    private string _address = "";

    public async Task InitializeAsync()
    {
        var options = new StaServerOptions { Urls = ["http://127.0.0.1:0"] };
        _host = StaServer.CreateHostBuilder(TinyModel.Model, options).Build();
        await _host.StartAsync();
        _address = _host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private static ChromeDriver StartBrowser()
    {
        foreach (var path in new[] { Chromium, ChromeDriver })
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path} is missing: install Debian's chromium and chromium-driver (bash build/install-prerequisites.sh does).", path);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        // A laptop-sized window; no sandbox because CI runs as root; /dev/shm is small in containers.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,900",
            "--no-first-run", "--disable-extensions", "--lang=en-US");
        return new ChromeDriver(service, options, TimeSpan.FromMinutes(2));
    }

    /// <summary>The page has read the service's settings (it marks the model line when it has).</summary>
    private static void WaitForSettings(IWebDriver driver)
    {
        Wait(driver).Until(d => d.FindElement(By.Id("model")).GetAttribute("data-ready") == "true");
        Assert.Contains("tiny test network", driver.FindElement(By.Id("model")).Text);
    }

    private static WebDriverWait Wait(IWebDriver driver) => new(driver, Api.Guard) { PollingInterval = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public void AVideoUploadedThroughThePageShowsItsVerdictTimelineAndHeatMaps()
    {
        using var driver = StartBrowser();
        driver.Navigate().GoToUrl(_address + "/");
        WaitForSettings(driver);

        driver.FindElement(By.Id("file")).SendKeys(TestAssets.FaceVideo);
        var verdict = Wait(driver).Until(d => d.FindElement(By.Id("result")).Displayed ? d.FindElement(By.Id("verdict")) : null);

        Assert.Matches("^Likely (fake|real)$", verdict.Text);
        Assert.Matches(@"^P\(fake\) \d+\.\d %", driver.FindElement(By.Id("probability")).Text);
        var jobId = new Uri(driver.Url).Query.Split('=')[1];
        var job = JobJson(jobId);
        var clips = job.GetProperty("result").GetProperty("clips").GetArrayLength();
        Assert.Equal(clips, driver.FindElements(By.CssSelector("#timeline .clip-bar")).Count);
        var explained = job.GetProperty("result").GetProperty("evidence").GetProperty("explained_clips").GetInt32();
        Assert.True(explained > 0);
        // Two strips per explained clip (faces, heat) and one per scored clip in the list, all decoded by the browser.
        Wait(driver).Until(d => LoadedImages(d, "#heatmaps img") == 2 * explained && LoadedImages(d, "#clips img") == clips);
        Assert.Equal(8 * 128, Convert.ToInt64(((IJavaScriptExecutor)driver).ExecuteScript(
            "return document.querySelector('#heatmaps img').naturalWidth;")));

        SaveScreenshot(driver, "serve-page.png");
    }

    [Fact]
    public void ThePageCanBeUsedWithTheKeyboardAlone()
    {
        using var driver = StartBrowser();
        driver.Navigate().GoToUrl(_address + "/");
        WaitForSettings(driver);
        var body = driver.FindElement(By.TagName("body"));

        // Tab reaches the skip link, then the file picker.
        body.SendKeys(Keys.Tab);
        Assert.Equal("skip", driver.SwitchTo().ActiveElement().GetAttribute("class"));
        driver.SwitchTo().ActiveElement().SendKeys(Keys.Tab);
        Assert.Equal("file", driver.SwitchTo().ActiveElement().GetAttribute("id"));

        driver.FindElement(By.Id("file")).SendKeys(TestAssets.FaceVideo);
        Wait(driver).Until(d => d.FindElement(By.Id("result")).Displayed);
        // The verdict takes the focus when it arrives; the timeline's bars are one tab stop and the arrows move along it.
        Assert.Equal("verdict", driver.SwitchTo().ActiveElement().GetAttribute("id"));
        var bars = driver.FindElements(By.CssSelector("#timeline .clip-bar"));
        Assert.Single(bars, b => b.GetAttribute("tabindex") == "0");
        bars[0].SendKeys(Keys.ArrowRight);
        var focused = driver.SwitchTo().ActiveElement();
        Assert.Equal("1", focused.GetAttribute("data-clip"));
        Assert.Contains("Clip 1", focused.GetAttribute("aria-label"));
        focused.SendKeys(Keys.Enter);
        Wait(driver).Until(d => d.FindElement(By.CssSelector("#clips li[data-clip='1']")).GetAttribute("class")!.Contains("selected"));
        SaveScreenshot(driver, "serve-page-keyboard.png");
    }

    [Fact]
    public void AFileThatIsNoVideoGetsTheServicesMessageOnThePage()
    {
        using var driver = StartBrowser();
        driver.Navigate().GoToUrl(_address + "/");
        WaitForSettings(driver);
        var notAVideo = Path.Combine(TestAssets.NewFolder("browser"), "clip.mp4");
        File.WriteAllText(notAVideo, "this is a text file with a video's name");

        driver.FindElement(By.Id("file")).SendKeys(notAVideo);
        var error = Wait(driver).Until(d => d.FindElement(By.Id("error")) is { Displayed: true } e ? e : null);

        Assert.Contains("not a video container", error.Text);
        Assert.False(driver.FindElement(By.Id("result")).Displayed);
    }

    private static long LoadedImages(IWebDriver driver, string selector) => Convert.ToInt64(((IJavaScriptExecutor)driver).ExecuteScript(
        $"return [...document.querySelectorAll('{selector}')].filter(i => i.complete && i.naturalWidth > 0).length;"));

    private JsonElement JobJson(string id)
    {
        using var client = new HttpClient { BaseAddress = new Uri(_address) };
        return JsonDocument.Parse(client.GetStringAsync($"/api/v1/jobs/{id}").GetAwaiter().GetResult()).RootElement.Clone();
    }

    /// <summary>Writes a screenshot to artifacts/browser/ at the repository root (kept by CI as a test artifact).</summary>
    private void SaveScreenshot(ChromeDriver driver, string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Sta.MLNet.sln"))) directory = directory.Parent;
        var folder = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "browser");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        // The whole page, not only the window: the window grows to the document's height first.
        var height = Convert.ToInt32(((IJavaScriptExecutor)driver).ExecuteScript("return document.documentElement.scrollHeight;"));
        driver.Manage().Window.Size = new System.Drawing.Size(1366, Math.Min(Math.Max(height, 900), 4000));
        driver.GetScreenshot().SaveAsFile(path);
        output.WriteLine($"screenshot: {path}");
    }
}
